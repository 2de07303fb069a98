using System.Net;
using System.Net.Sockets;
using k8s.Models;
using NodeProxy.Lab;
using NodeProxy.Tests.FakeApi;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>The real agent in node-1's namespace, watching a fake API server that listens in that namespace.</summary>
public sealed class ApiDrivenTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TrafficFollowsAnEndpointSliceChange()
    {
        await using var cluster = await CreateAsync("nft", output);
        var (api, kubeconfig) = await StartApiAsync(cluster);
        await using var stopApi = api;
        api.Apply(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1" }, Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "192.168.56.11" }] } });
        var service = Watch.ApiObjects.Service("web", 90);
        service.Spec.Ports[0].TargetPort = 80;
        api.Apply(service);
        api.Apply(Slice("10.244.1.10", "10.244.2.10"));

        var agent = await cluster.Lab.StartAgentAsync(cluster.Node1,
            ["run", "--kubeconfig", kubeconfig, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16", "--iptables-backend", "nft"]);
        await agent.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var pod = cluster.Lab.Pod("nginx-test");
        var before = await ManyAsync(16, () => pod.TcpRequestAsync(At("10.96.0.91", 80)));

        var from = agent.LineCount;
        api.Apply(Slice("10.244.3.10"));
        await agent.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal) && l.Contains("bytes", StringComparison.Ordinal), TimeSpan.FromSeconds(10), from);
        var after = await ManyAsync(10, () => pod.TcpRequestAsync(At("10.96.0.91", 80)));
        await agent.StopAsync();

        AllAnswered(before.Concat(after));
        Assert.Equal(["nginx-7c5ddbdf54-4xk2p", "nginx-7c5ddbdf54-9fzqm"], before.Select(r => r.Pod).Distinct().Order());
        Assert.All(after, r => Assert.Equal("nginx-7c5ddbdf54-t8bwl", r.Pod));
        Assert.Contains(agent.Lines, l => l.Contains("cluster from the Kubernetes API", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APoisonedServiceIsSkippedAloneAndAnApiOutageLongerThanTheBoundFailsHealthzWithTheReason()
    {
        await using var cluster = await CreateAsync("nft", output);
        var (api, kubeconfig) = await StartApiAsync(cluster);
        await using var stopApi = api;
        api.Apply(Watch.ApiObjects.Node("node-1", "192.168.56.11"));
        api.Apply(Watch.ApiObjects.Service("web", 90));
        api.Apply(Slice("10.244.1.10"));
        // The poison pill: a port that is the string "eighty".
        api.ApplyBent(Watch.ApiObjects.Service("poison", 91), json => json.Replace("\"port\":80,", "\"port\":\"eighty\",", StringComparison.Ordinal));

        var agent = await cluster.Lab.StartAgentAsync(cluster.Node1,
            ["run", "--kubeconfig", kubeconfig, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16", "--iptables-backend", "nft", "--api-stale-after", "3s"]);
        await agent.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Single(agent.Lines, l => l.Contains("Service default/poison: cannot be decoded", StringComparison.Ordinal));
        var metrics = await cluster.Node1.ExecAsync("curl", "-s", "http://127.0.0.1:10249/metrics");
        Assert.Contains("nodeproxy_objects_rejected_total{kind=\"Service\",reason=\"Undecodable\"} 1", metrics, StringComparison.Ordinal);

        // Every other Service change still reaches the kernel (this one, without endpoints, as a REJECT).
        api.Apply(Watch.ApiObjects.Service("api", 92));
        await Poll.UntilAsync(() => cluster.Node1.ExecAsync("iptables-nft-save").Result.Contains("10.96.0.93/32", StringComparison.Ordinal), agent.ExitCode, seconds: 10);

        api.SetAvailable(false);
        api.DisconnectWatches();
        var healthz = await HealthAsync(cluster, "/healthz", "503");
        Assert.Contains("services: not in step with the API server for", healthz, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", healthz, StringComparison.Ordinal);
        Assert.Contains("\"healthy\":false", healthz, StringComparison.Ordinal);
        // An API server a restart would not bring back: /livez stays well.
        Assert.StartsWith("HTTP/1.1 200", await cluster.Node1.ExecAsync("curl", "-s", "-i", "http://127.0.0.1:10256/livez"), StringComparison.Ordinal);

        api.SetAvailable(true);
        Assert.Contains("\"healthy\":true", await HealthAsync(cluster, "/healthz", "200"), StringComparison.Ordinal);
        await agent.StopAsync();
    }

    /// <summary>The fake API server, listening inside node-1's namespace, and a kubeconfig for the agent there.</summary>
    internal static async Task<(FakeApiServer Api, string Kubeconfig)> StartApiAsync(AgentCluster cluster)
    {
        var listener = NamespaceSockets.Create(cluster.Node1.Netns, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            socket.Listen(64);
            return socket;
        });
        var api = await FakeApiServer.StartAsync(listener);
        var kubeconfig = Path.Combine(cluster.Manifests.Folder, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, api.KubeconfigYaml());
        return (api, kubeconfig);
    }

    /// <summary>Asks the agent's health server until it answers with <paramref name="code"/>.</summary>
    private static async Task<string> HealthAsync(AgentCluster cluster, string path, string code)
    {
        var answer = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            answer = await cluster.Node1.ExecAsync("curl", "-s", "-i", $"http://127.0.0.1:10256{path}");
            if (answer.StartsWith($"HTTP/1.1 {code}", StringComparison.Ordinal))
            {
                return answer;
            }
        }

        throw new Xunit.Sdk.XunitException($"{path} never answered {code}; last: {answer}");
    }

    /// <summary>The lab's pods serve port 80.</summary>
    private static V1EndpointSlice Slice(params string[] addresses)
    {
        var slice = Watch.ApiObjects.Slice("web", addresses);
        slice.Ports[0].Port = 80;
        return slice;
    }
}
