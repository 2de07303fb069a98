using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <param name="RssBytes">VmRSS a few seconds after the first sync, once startup garbage had a chance to go.</param>
/// <param name="PeakRssBytes">VmHWM then: the most the agent ever held, which is what a memory limit must allow.</param>
/// <param name="FirstSync">From starting the process to its log saying the first sync is in the kernel.</param>
internal sealed record AgentMemory(int Services, long RssBytes, long PeakRssBytes, TimeSpan FirstSync);

/// <summary>
/// What the real agent costs in memory: `nodeproxy run` in a fresh namespace with the image's
/// environment, reading manifests of the synthetic cluster, measured from /proc as a kubelet's
/// memory limit would see it.
/// </summary>
internal static class AgentRssBench
{
    /// <summary>A 10k-service first sync takes about 25 s on two cores, most of it parsing the manifests.</summary>
    private static readonly TimeSpan FirstSyncTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The wait before the reported RSS: the first sync's transient allocations are collected by then.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    /// <summary>The agent stops between syncs on SIGTERM; one that has not by then is killed.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    public static async Task<AgentMemory> MeasureAsync(int services, CancellationToken cancel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(services, 1);
        var agent = AgentDll();
        var folder = Directory.CreateTempSubdirectory("nodeproxy-rss-").FullName;
        try
        {
            await SyntheticCluster.WriteManifestsAsync(folder, services, cancel);
            await using var ns = await BenchNamespace.CreateAsync();
            // The metrics server binds 127.0.0.1, which a new namespace only has once lo is up.
            await Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, "ip", "link", "set", "lo", "up"]).ExecuteBufferedAsync(cancel);
            await using var run = AgentRun.Start(ns.Name, agent,
                ["run", "--source", folder, "--node-name", SyntheticModel.NodeName, "--cluster-cidr", SyntheticCluster.ClusterCidr,
                 "--iptables-backend", "nft", "--metrics-bind-address", "127.0.0.1:10249", "--healthz-bind-address", "127.0.0.1:10256"]);
            var firstSync = await run.FirstSyncAsync(FirstSyncTimeout, cancel);
            var pid = AgentPid(run.ProcessId, agent);
            await Task.Delay(Settle, cancel);
            var (rss, peak) = ReadMemory(pid);
            run.ThrowIfUnhealthy();
            await run.StopAsync(StopGrace);
            return new AgentMemory(services, rss, peak, firstSync);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The agent's own build output, copied by the project file (CopyAgent): the copy next to this
    /// assembly lacks the packages ASP.NET Core's shared framework replaced for the fake API server.
    /// </summary>
    private static string AgentDll()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "agent", "nodeproxy.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build tests/NodeProxy.Bench, whose CopyAgent target puts it there", dll);
    }

    /// <summary>
    /// ip netns exec execs the program in place, so the launched process is normally the agent;
    /// should a wrapper ever sit between them, the agent is found among its descendants.
    /// </summary>
    private static int AgentPid(int launched, string agent)
    {
        var pending = new Queue<int>([launched]);
        while (pending.TryDequeue(out var pid))
        {
            string cmdline;
            try
            {
                cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            }
            catch (IOException)
            {
                continue;
            }

            if (cmdline.Split('\0').Contains(agent))
            {
                return pid;
            }

            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    pending.Enqueue(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        throw new InvalidOperationException($"no process running {agent} under pid {launched}");
    }

    private static (long Rss, long Peak) ReadMemory(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        return (Kilobytes(status, "VmRSS:") * 1024, Kilobytes(status, "VmHWM:") * 1024);
    }

    private static long Kilobytes(string[] status, string field) =>
        status.FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal)) is { } line
            ? long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"/proc status has no {field}");

    /// <summary>One `nodeproxy run` in a namespace, its stderr watched for the first sync and for trouble.</summary>
    private sealed class AgentRun : IAsyncDisposable
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly TaskCompletionSource<TimeSpan> synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource kill = new();
        private readonly List<string> lines = [];
        private CommandTask<CommandResult> task = null!;

        public int ProcessId => task.ProcessId;

        public static AgentRun Start(string ns, string agent, IReadOnlyList<string> args)
        {
            var run = new AgentRun();
            // The same dotnet host as this process when there is one: PATH inside sudo may differ.
            var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
            run.task = Cli.Wrap("ip")
                .WithArguments(["netns", "exec", ns, host, agent, .. args])
                .WithEnvironmentVariables(ImageEnvironment.Read())
                .WithStandardOutputPipe(PipeTarget.ToDelegate(run.Line))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(run.Line))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(run.kill.Token);
            return run;
        }

        public async Task<TimeSpan> FirstSyncAsync(TimeSpan timeout, CancellationToken cancel)
        {
            try
            {
                await Task.WhenAny(synced.Task, task.Task).WaitAsync(timeout, cancel);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"the agent did not sync within {timeout.TotalSeconds:0} s:\n{Tail()}");
            }

            if (!synced.Task.IsCompleted)
            {
                throw new InvalidOperationException($"the agent exited before its first sync:\n{Tail()}");
            }

            ThrowIfUnhealthy();
            return await synced.Task;
        }

        /// <summary>A skipped object means the manifests are not the model they claim to be; a failed sync, that the figures are not of a working agent.</summary>
        public void ThrowIfUnhealthy()
        {
            lock (lines)
            {
                if (lines.FirstOrDefault(l => l.Contains("skipped:", StringComparison.Ordinal) || l.Contains("failed", StringComparison.Ordinal)) is { } bad)
                {
                    throw new InvalidOperationException($"the agent said: {bad}");
                }
            }

            if (task.Task.IsCompleted)
            {
                throw new InvalidOperationException($"the agent exited:\n{Tail()}");
            }
        }

        public async Task StopAsync(TimeSpan grace)
        {
            if (task.Task.IsCompleted)
            {
                return;
            }

            await Cli.Wrap("kill").WithArguments(["-s", "TERM", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(CancellationToken.None);
            if (await Task.WhenAny(task.Task, Task.Delay(grace)) != task.Task)
            {
                await kill.CancelAsync();
            }

            await task.Task.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        public async ValueTask DisposeAsync()
        {
            // Also after a failure or Ctrl+C: no agent may outlive the namespace it programs.
            await StopAsync(StopGrace);
            kill.Dispose();
        }

        private void Line(string line)
        {
            lock (lines)
            {
                lines.Add(line);
            }

            if (line.Contains("synced", StringComparison.Ordinal))
            {
                synced.TrySetResult(clock.Elapsed);
            }
        }

        private string Tail()
        {
            lock (lines)
            {
                return string.Join('\n', lines.TakeLast(30));
            }
        }
    }
}
