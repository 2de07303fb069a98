using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Tests.Kernel;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Operate;

/// <summary>The health check node ports of eTP=Local LoadBalancer Services, served by the real agent in a namespace.</summary>
public sealed class ServiceHealthCheckTests(ITestOutputHelper output)
{
    private const string Node = """
        apiVersion: v1
        kind: Node
        metadata: {name: node-1}
        status: {addresses: [{type: InternalIP, address: 192.168.56.11}]}
        """;

    [Fact]
    public async Task ANodeWithLocalEndpointsSays200AndOneWithoutSays503AndPortsCloseWithTheirService()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        await ns.RunAsync("ip", ["link", "set", "lo", "up"]);
        var folder = Directory.CreateTempSubdirectory("nodeproxy-hc-").FullName;
        using var stop = new CancellationTokenSource();
        var lines = new List<string>();
        try
        {
            await Write(folder, Node, Service("local", "10.96.0.60", 30600, 32100, "10.244.1.10", "node-1", "10.244.2.10", "node-2"), Service("remote", "10.96.0.61", 30601, 32101, "10.244.2.11", "node-2"));
            var agent = Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, "dotnet", TestPaths.Agent, "run", "--source", folder, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16"])
                .WithStandardErrorPipe(PipeTarget.ToDelegate(l => { lock (lines) { lines.Add(l); } output.WriteLine(l); }))
                .WithValidation(CommandResultValidation.None).ExecuteAsync(stop.Token).Task;

            var local = await Curl(ns, 32100, l => l.Contains("200", StringComparison.Ordinal));
            var remote = await Curl(ns, 32101, l => l.Contains("503", StringComparison.Ordinal));

            Assert.Contains("X-Load-Balancing-Endpoint-Weight: 1", local, StringComparison.Ordinal);
            Assert.Contains("{\"service\":{\"namespace\":\"default\",\"name\":\"local\"},\"localEndpoints\":1,\"serviceProxyHealthy\":true}", local, StringComparison.Ordinal);
            Assert.Contains("X-Load-Balancing-Endpoint-Weight: 0", remote, StringComparison.Ordinal);

            await Write(folder, Node, Service("remote", "10.96.0.61", 30601, 32101, "10.244.2.11", "node-2"));
            var closed = await Curl(ns, 32100, l => l.StartsWith("curl failed", StringComparison.Ordinal));
            Assert.StartsWith("curl failed", closed, StringComparison.Ordinal);
            stop.Cancel();
            await agent.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            stop.Cancel();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task Write(string folder, params string[] documents)
    {
        var temporary = Path.Combine(folder, "cluster.yaml.tmp");
        await File.WriteAllTextAsync(temporary, string.Join("\n---\n", documents));
        File.Move(temporary, Path.Combine(folder, "cluster.yaml"), overwrite: true);
    }

    /// <summary>curl -i until the answer passes <paramref name="done"/>, or 20 s.</summary>
    private static async Task<string> Curl(NetworkNamespace ns, int port, Func<string, bool> done)
    {
        var answer = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            var result = await Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, "curl", "-s", "-i", "--max-time", "2", $"http://127.0.0.1:{port}/"])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            answer = result.ExitCode == 0 ? result.StandardOutput : $"curl failed ({result.ExitCode})";
            if (done(answer.Split('\n')[0]))
            {
                return answer;
            }
        }

        return answer;
    }

    private static string Service(string name, string clusterIP, int nodePort, int healthPort, params string[] endpointsAndNodes)
    {
        var endpoints = string.Join("\n", endpointsAndNodes.Chunk(2).Select(e => $"""
              - addresses: [{e[0]}]
                conditions: {"{ready: true}"}
                nodeName: {e[1]}
            """));
        return $"""
            apiVersion: v1
            kind: Service
            metadata: {"{"}name: {name}, namespace: default{"}"}
            spec:
              type: LoadBalancer
              clusterIP: {clusterIP}
              externalTrafficPolicy: Local
              healthCheckNodePort: {healthPort}
              ports: [{"{"}name: http, port: 80, targetPort: 80, nodePort: {nodePort}, protocol: TCP{"}"}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {"{"}name: {name}-1, namespace: default, labels: {"{"}kubernetes.io/service-name: {name}{"}"}{"}"}
            addressType: IPv4
            ports: [{"{"}name: http, port: 80, protocol: TCP{"}"}]
            endpoints:
            {endpoints}
            """;
    }
}
