using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CliWrap;
using NodeProxy.Lab;
using NodeProxy.Tests.Kernel;

namespace NodeProxy.Tests.Operate;

/// <summary>
/// The real agent in a namespace of its own, with ten Services (one with a health check node
/// port), and what a test needs to abuse its listeners from inside that namespace: raw sockets,
/// one-shot requests, the agent's RSS and open descriptors.
/// </summary>
internal sealed class AbusedAgent : IAsyncDisposable
{
    public const int HealthPort = 10256;
    public const int MetricsPort = 10249;
    public const int CheckPort = 32101;

    private readonly NetworkNamespace ns;
    private readonly string folder;
    private readonly CommandTask<CommandResult> process;

    private AbusedAgent(NetworkNamespace ns, string folder, CommandTask<CommandResult> process)
    {
        this.ns = ns;
        this.folder = folder;
        this.process = process;
    }

    public string Namespace => ns.Name;

    public int Pid => process.ProcessId;

    public bool Running => !process.Task.IsCompleted;

    public static async Task<AbusedAgent> StartAsync(Action<string> log)
    {
        var ns = await NetworkNamespace.CreateAsync();
        var folder = Directory.CreateTempSubdirectory("nodeproxy-abuse-").FullName;
        try
        {
            await ns.RunAsync("ip", ["link", "set", "lo", "up"]);
            await File.WriteAllTextAsync(Path.Combine(folder, "cluster.yaml"), Manifests());
            var process = Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, "dotnet", TestPaths.Agent, "run", "--source", folder, "--node-name", "node-1",
                    "--cluster-cidr", "10.244.0.0/16", "--metrics-bind-address", $"127.0.0.1:{MetricsPort}", "--healthz-bind-address", $"0.0.0.0:{HealthPort}"])
                .WithStandardErrorPipe(PipeTarget.ToDelegate(log))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(CancellationToken.None);
            var agent = new AbusedAgent(ns, folder, process);
            for (var deadline = DateTime.UtcNow.AddSeconds(30); !(await agent.GetAsync(CheckPort, "/")).StartsWith("HTTP/1.1 200", StringComparison.Ordinal); await Task.Delay(200))
            {
                if (DateTime.UtcNow > deadline || !agent.Running)
                {
                    throw new InvalidOperationException("the agent did not serve its health check node port within 30 s");
                }
            }

            return agent;
        }
        catch
        {
            await ns.DisposeAsync();
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>A TCP socket inside the namespace, bound to a loopback source address of its own (each has its own ephemeral ports).</summary>
    public IReadOnlyList<Socket> Sockets(int count, int sources = 1) =>
        NamespaceSockets.CreateMany(ns.Name, count, i =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.1.{1 + (i % sources)}"), 0));
            return socket;
        });

    /// <summary>
    /// COUNT idle connections to the port, held by a process of their own (nodeproxy-lab
    /// idle-clients) inside the namespace, so that the test's own descriptors stay free; they are
    /// closed when the returned holder is disposed.
    /// </summary>
    public async Task<IdleHolder> HoldIdleAsync(int port, int count)
    {
        var release = new TaskCompletionSource();
        var kill = new CancellationTokenSource();
        var connected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, "dotnet", Path.Combine(AppContext.BaseDirectory, "nodeproxy-lab.dll"), "idle-clients", $"127.0.0.1:{port}", count.ToString(CultureInfo.InvariantCulture)])
            .WithStandardInputPipe(PipeSource.Create(async (_, _) => await release.Task))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => connected.TrySetResult(line)))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(kill.Token);
        var holder = new IdleHolder(release, kill, process.Task);
        if (await Task.WhenAny(connected.Task, process.Task, Task.Delay(TimeSpan.FromSeconds(60))) != connected.Task)
        {
            await holder.DisposeAsync();
            throw new InvalidOperationException($"idle-clients did not connect {count} sockets to port {port} within 60 s");
        }

        holder.Report = connected.Task.Result;
        return holder;
    }

    /// <summary>One request on a new connection; the whole answer, or "no answer: ..." after the timeout.</summary>
    public async Task<string> GetAsync(int port, string path, int timeoutMs = 2000)
    {
        using var socket = Sockets(1)[0];
        using var timeout = new CancellationTokenSource(timeoutMs);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), timeout.Token);
            return await ReadToEndAsync(socket, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return $"no answer: {e.Message}";
        }
    }

    public static async Task<string> ReadToEndAsync(Socket socket, CancellationToken cancel)
    {
        var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cancel)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(answer.ToArray());
    }

    public long RssMiB() => long.Parse(
        File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
        CultureInfo.InvariantCulture) / 1024;

    public int OpenFiles() => Directory.GetFiles($"/proc/{Pid}/fd").Length;

    /// <summary>User plus system CPU time the agent has used, from /proc/PID/stat (clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>SIGTERM, as the kubelet stops a pod; the exit code.</summary>
    public async Task<int> StopAsync()
    {
        await Cli.Wrap("kill").WithArguments(["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]).WithValidation(CommandResultValidation.None).ExecuteAsync();
        var result = await process.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return result.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (Running)
        {
            await Cli.Wrap("kill").WithArguments(["-KILL", Pid.ToString(CultureInfo.InvariantCulture)]).WithValidation(CommandResultValidation.None).ExecuteAsync();
            await process.Task.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await ns.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    private static string Manifests()
    {
        var documents = new List<string>
        {
            """
            apiVersion: v1
            kind: Node
            metadata: {name: node-1}
            status: {addresses: [{type: InternalIP, address: 192.168.56.11}]}
            """,
        };
        for (var i = 1; i <= 10; i++)
        {
            documents.Add($$"""
                apiVersion: v1
                kind: Service
                metadata: {name: svc-{{i}}, namespace: default}
                spec:
                  type: LoadBalancer
                  clusterIP: 10.96.1.{{i}}
                  externalTrafficPolicy: {{(i == 1 ? "Local" : "Cluster")}}
                  {{(i == 1 ? $"healthCheckNodePort: {CheckPort}" : "")}}
                  ports: [{name: http, port: 80, targetPort: 80, nodePort: {{30100 + i}}, protocol: TCP}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: svc-{{i}}-1, namespace: default, labels: {kubernetes.io/service-name: svc-{{i}} } }
                addressType: IPv4
                ports: [{name: http, port: 80, protocol: TCP}]
                endpoints:
                  - addresses: [10.244.1.{{i}}]
                    conditions: {ready: true}
                    nodeName: node-1
                  - addresses: [10.244.2.{{i}}]
                    conditions: {ready: true}
                    nodeName: node-2
                """);
        }

        return string.Join("\n---\n", documents);
    }
}

/// <summary>A process holding idle connections; disposing it closes them (and kills it if it hangs).</summary>
internal sealed class IdleHolder(TaskCompletionSource release, CancellationTokenSource kill, Task process) : IAsyncDisposable
{
    public string Report { get; set; } = "";

    public async ValueTask DisposeAsync()
    {
        release.TrySetResult();
        if (await Task.WhenAny(process, Task.Delay(TimeSpan.FromSeconds(10))) != process)
        {
            await kill.CancelAsync();
        }

        await process.ContinueWith(_ => { }, TaskScheduler.Default);
        kill.Dispose();
    }
}
