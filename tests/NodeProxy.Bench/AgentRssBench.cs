using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <summary>
/// What the agent as shipped costs: the published `nodeproxy` executable (<see cref="AgentBinary"/>)
/// with the image's environment, `nodeproxy run` in a fresh namespace on iptables-nft, watching the
/// fake API server that serves the synthetic cluster (or, with `--rss-from manifests`, reading its
/// manifests). Memory is read from /proc as a kubelet's memory limit would see it; the first sync's
/// time is set against a plain iptables-restore of the same rules, measured in the same run.
/// </summary>
internal static class AgentRssBench
{
    /// <summary>A 30k-service first sync takes about a minute on two loaded cores.</summary>
    private static readonly TimeSpan FirstSyncTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The wait before the reported RSS: the first sync's transient allocations are collected by then.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public const string FromApi = "api";
    public const string FromManifests = "manifests";

    public static async Task<AgentRunFigures> MeasureAsync(AgentBinary agent, int services, string from, CancellationToken cancel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(services, 1);
        await using var ns = await BenchNamespace.CreateAsync();
        // The metrics server and the API server bind 127.0.0.1, which a new namespace only has once lo is up.
        await Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, "ip", "link", "set", "lo", "up"]).ExecuteBufferedAsync(cancel);
        // The synthetic node ports (and health check ports the agent listens on) span 20000-59999;
        // the agent's own connection to the API server must not take one of them as its local port.
        await Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=60000 65000"]).ExecuteBufferedAsync(cancel);
        ApiFeed? api = null;
        string? manifests = null;
        try
        {
            string[] source;
            if (from == FromApi)
            {
                api = await ApiFeed.StartAsync(ns.Name, services);
                source = ["--kubeconfig", api.Kubeconfig];
            }
            else
            {
                manifests = Directory.CreateTempSubdirectory("nodeproxy-rss-").FullName;
                await SyntheticCluster.WriteManifestsAsync(manifests, services, cancel);
                source = ["--source", manifests];
            }

            await using var run = AgentRun.Start(ns.Name, agent.Executable,
                ["run", .. source, "--node-name", SyntheticModel.NodeName, "--cluster-cidr", SyntheticCluster.ClusterCidr, "--service-node-port-range", SyntheticModel.NodePortRange,
                 "--iptables-backend", "nft", "--metrics-bind-address", "127.0.0.1:10249", "--healthz-bind-address", "127.0.0.1:10256"]);
            var synced = await run.FirstSyncAsync(FirstSyncTimeout, cancel);
            var start = api is null ? run.Started
                : api.FirstRequest is not 0 and var first ? first
                : throw new InvalidOperationException("the agent synced without asking the API server anything");
            var pid = AgentPid(run.ProcessId, agent.Executable);
            await Task.Delay(Settle, cancel);
            var (rss, peak) = ReadMemory(pid);
            run.ThrowIfUnhealthy();
            var saved = await RestoreAlone.SaveAsync(ns.Name, cancel);
            // Stopped first, so the restore alone has the machine the agent had.
            await run.StopAsync();
            var restore = await RestoreAlone.TimeAsync(saved, cancel);
            return new AgentRunFigures(rss, peak, Stopwatch.GetElapsedTime(start, synced.At), restore, saved.Sum(s => s.Rules), synced.Took);
        }
        finally
        {
            if (api is not null)
            {
                await api.DisposeAsync();
            }

            if (manifests is not null)
            {
                Directory.Delete(manifests, recursive: true);
            }
        }
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
}
