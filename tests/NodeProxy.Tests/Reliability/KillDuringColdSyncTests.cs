using System.Diagnostics;
using NodeProxy.Lab;
using NodeProxy.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.Reliability;

/// <summary>
/// kill -9 of the agent while its iptables-restore of a few thousand Services runs, then a restart:
/// whatever the half-done cold sync left (staged chains, or a restore that finished on its own), the
/// restarted agent converges to exactly the rules a clean start writes, and a Service answers.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class KillDuringColdSyncTests(ITestOutputHelper output)
{
    // Enough for the cold restore to take a second or more on iptables-nft on this machine.
    private const int Services = 5000;

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task AnAgentKilledMidColdSyncIsRestartedIntoTheRulesACleanStartWrites(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        cluster.Manifests.Service("web", "10.96.0.90", 80).Endpoints("web", "TCP", "10.244.1.10", "10.244.2.10");
        for (var i = 0; i < Services; i++)
        {
            var name = $"bulk-{i}";
            cluster.Manifests.Service(name, $"10.97.{i / 250}.{1 + (i % 250)}", 80).Endpoints(name, "TCP", $"10.244.1.{10 + (i % 2)}");
        }

        // What a clean cold start writes, then the NP- rules wiped so that the next start is cold too.
        await cluster.StartAgentAsync();
        var want = InChainOrder(await KernelRules.OwnedAsync(cluster));
        var clean = cluster.Agent.Lines.First(l => l.Contains("synced", StringComparison.Ordinal));
        await cluster.Agent.KillAsync();
        await WipeOwnedRulesAsync(cluster);
        Assert.Empty(await KernelRules.OwnedAsync(cluster));

        var agent = await cluster.Lab.StartAgentAsync(cluster.Node1,
            ["run", "--source", cluster.Manifests.Folder, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16,fd00:244::/32", "--iptables-backend", backend]);
        await using var stopFirst = agent;
        var restore = await CatchRestoreChildAsync(agent);
        var caughtLate = true;
        if (backend == "nft")
        {
            // iptables-nft's cold load is staged, 50 chains a transaction, each too short to catch
            // reliably: killing a while into it leaves the earlier transactions' chains in the
            // kernel, unreachable, for the restart to remove.
            await Task.Delay(250);
            restore = RestoreChild(agent) ?? restore;
            caughtLate = RestoreChild(agent) is not null;
        }

        agent.Crash();
        await agent.WaitForExitAsync();
        var childOutlived = restore is not null && Directory.Exists($"/proc/{restore}");
        await WaitGoneAsync(restore);
        var leftover = await KernelRules.OwnedAsync(cluster);

        var clock = Stopwatch.StartNew();
        await cluster.StartAgentAsync();
        var restarted = cluster.Agent.Lines.First(l => l.Contains("synced", StringComparison.Ordinal));
        IReadOnlyList<string> now = [];
        await Poll.UntilAsync(() => want.SequenceEqual(now = InChainOrder(KernelRules.OwnedAsync(cluster).Result)), cluster.Agent.ExitCode, seconds: 60);
        var converged = clock.Elapsed;
        output.WriteLine($"reliability: kill-9-cold-sync {backend}: {Services} Services (clean cold start: {clean.Split("synced", 2)[1].Trim()}); " +
            $"killed {(restore is null ? "without catching a restore" : caughtLate ? $"while its iptables-restore (pid {restore}) ran; the restore {(childOutlived ? "outlived it" : "died with it")}" : "between two staged restores")}; " +
            $"{leftover.Count} NP- lines left; restarted and converged in {converged.TotalSeconds:F1} s (manifests rewritten, agent started, its first sync: {restarted.Split("synced", 2)[1].Trim()})");

        Assert.NotNull(restore);
        Assert.Equal(want, now);
        AllAnswered(await ManyAsync(4, () => cluster.Lab.Pod("nginx-test").TcpRequestAsync(At("10.96.0.90", 80))));
        Assert.False(cluster.Agent.HasExited, cluster.Agent.Tail());
    }

    /// <summary>
    /// The save lines grouped by chain (stable, so each chain's rules keep their order): a kernel may
    /// list chains in the order they were made, which a crash and a repair change.
    /// </summary>
    private static IReadOnlyList<string> InChainOrder(IReadOnlyList<string> lines) =>
        [.. lines.OrderBy(l => l.StartsWith(':') ? l[1..] : l.Split(' ')[1], StringComparer.Ordinal)];

    /// <summary>Restores every table without its NP- lines: iptables-restore without --noflush replaces each table named.</summary>
    private static Task WipeOwnedRulesAsync(AgentCluster cluster) =>
        cluster.Node1.ExecAsync("sh", "-c", $"iptables-{cluster.Backend}-save | grep -v 'NP-' | iptables-{cluster.Backend}-restore");

    /// <summary>
    /// The agent's first iptables-restore child, found by parent pid (other test runs on this
    /// machine run restores too); null if the cold sync ended first.
    /// </summary>
    private static async Task<int?> CatchRestoreChildAsync(AgentProcess agent)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && !agent.HasExited; await Task.Delay(5))
        {
            if (RestoreChild(agent) is { } pid)
            {
                return pid;
            }

            if (agent.Lines.Any(l => l.Contains("synced", StringComparison.Ordinal)))
            {
                return null;
            }
        }

        return null;
    }

    private static int? RestoreChild(AgentProcess agent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && ParentOf(pid) == agent.ProcessId && CommandLine(pid).Contains("restore", StringComparison.Ordinal))
            {
                return pid;
            }
        }

        return null;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // The command name in parentheses may hold spaces; the fields after it are fixed.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static async Task WaitGoneAsync(int? pid)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); pid is not null && Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(20);
        }
    }
}
