using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NodeProxy.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.Reliability;

/// <summary>
/// Hand-made drift of every kind in node-1's kernel: the canary's loss is repaired within one
/// --sync-period and counted in nodeproxy_drift_repairs_total; everything the canary cannot see is
/// repaired by the next full resync, within --full-sync-period; a foreign rule is left alone.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class DriftRepairTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SyncPeriod = TimeSpan.FromSeconds(1);

    // Not a multiple of the sync period: the loop wakes when the full resync is due.
    private static readonly TimeSpan FullSyncPeriod = TimeSpan.FromSeconds(2.5);

    // Scheduling slack on a loaded 2-core machine: a sync itself, the poll, the processes.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task EveryKindOfDriftIsRepairedWithinItsPeriodAndForeignRulesAreLeftAlone(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        cluster.Manifests.Service("web", "10.96.0.90", 80).Endpoints("web", "TCP", "10.244.1.10", "10.244.2.10");
        await cluster.StartAgentAsync(null, "--sync-period", "1s", "--full-sync-period", "2500ms");
        var want = await KernelRules.OwnedAsync(cluster);
        var iptables = $"iptables-{backend}";
        var serviceChain = want.First(l => l.StartsWith(":NP-SVC-", StringComparison.Ordinal))[1..];
        var bucketJump = want.First(l => l.StartsWith("-A NP-SVCS-", StringComparison.Ordinal) && l.EndsWith("-j " + serviceChain, StringComparison.Ordinal));
        var builtInJump = want.First(l => l.StartsWith("-A PREROUTING ", StringComparison.Ordinal) && l.Contains("-j NP-SERVICES", StringComparison.Ordinal));
        var serviceRule = want.Last(l => l.StartsWith($"-A {serviceChain} ", StringComparison.Ordinal));

        var seenByCanary = new[] { ("canary removed", $"{iptables} -t nat -X NP-CANARY") };
        var seenByFullResync = new[]
        {
            ("rule deleted from a service chain", $"{iptables} -t nat {Delete(serviceRule)}"),
            ("rule inserted into a service chain", $"{iptables} -t nat -I {serviceChain} 1 -s 192.0.2.7/32 -j RETURN"),
            ("service chain flushed", $"{iptables} -t nat -F {serviceChain}"),
            ("service chain deleted", $"{iptables} -t nat {Delete(bucketJump)} && {iptables} -t nat -F {serviceChain} && {iptables} -t nat -X {serviceChain}"),
            ("jump from PREROUTING removed", $"{iptables} -t nat {Delete(builtInJump)}"),
            ("stray NP- chain added", $"{iptables} -t nat -N NP-STRAY-DRIFT && {iptables} -t nat -A NP-STRAY-DRIFT -j RETURN"),
        };

        foreach (var (kind, command) in seenByCanary)
        {
            var before = await DriftRepairsAsync(cluster);
            var took = await DriftAndWaitForRepairAsync(cluster, want, kind, command, SyncPeriod + Slack);
            Assert.Equal((before.Canary + 1, before.FullResync), await DriftRepairsReachAsync(cluster, (before.Canary + 1, before.FullResync)));
            output.WriteLine($"reliability: drift {kind} {backend}: repaired in {took.TotalSeconds:F1} s (--sync-period {SyncPeriod.TotalSeconds} s), nodeproxy_drift_repairs_total{{trigger=\"canary\"}} +1");
        }

        foreach (var (kind, command) in seenByFullResync)
        {
            var before = await DriftRepairsAsync(cluster);
            var took = await DriftAndWaitForRepairAsync(cluster, want, kind, command, FullSyncPeriod + Slack);
            Assert.Equal((before.Canary, before.FullResync + 1), await DriftRepairsReachAsync(cluster, (before.Canary, before.FullResync + 1)));
            output.WriteLine($"reliability: drift {kind} {backend}: repaired in {took.TotalSeconds:F1} s (--full-sync-period {FullSyncPeriod.TotalSeconds} s), nodeproxy_drift_repairs_total{{trigger=\"full_resync\"}} +1");
        }

        // A foreign rule in front of NodeProxy's jump: a full resync passes, and it is still there, first.
        const string Foreign = "-A PREROUTING -s 192.0.2.9/32 -j RETURN";
        await cluster.Node1.ExecAsync("sh", "-c", $"{iptables} -t nat -I PREROUTING 1 -s 192.0.2.9/32 -j RETURN");
        // The first full resync logged after the insert may have read the kernel before it; the
        // one after that began later.
        for (var resyncs = 0; resyncs < 2; resyncs++)
        {
            await cluster.Agent.WaitForLineAsync(l => l.Contains("synced (full resync)", StringComparison.Ordinal), FullSyncPeriod + Slack, cluster.Agent.LineCount);
        }

        var save = await cluster.Node1.ExecAsync($"iptables-{backend}-save", "-t", "nat");
        Assert.Equal(Foreign, save.Split('\n').First(l => l.StartsWith("-A PREROUTING", StringComparison.Ordinal)));
        Assert.Equal(want, KernelRules.Owned(await cluster.Node1.ExecAsync($"iptables-{backend}-save")));
        output.WriteLine($"reliability: drift foreign rule in front {backend}: left alone through a full resync");

        AllAnswered(await ManyAsync(6, () => cluster.Lab.Pod("nginx-test").TcpRequestAsync(At("10.96.0.90", 80))));
    }

    private static string Delete(string saveLine) => "-D" + saveLine[2..];

    private async Task<TimeSpan> DriftAndWaitForRepairAsync(AgentCluster cluster, IReadOnlyList<string> want, string kind, string command, TimeSpan within)
    {
        await cluster.Node1.ExecAsync("sh", "-c", command);
        var clock = Stopwatch.StartNew();
        Assert.NotEqual(want, await KernelRules.OwnedAsync(cluster));
        while (!want.SequenceEqual(await KernelRules.OwnedAsync(cluster)))
        {
            if (clock.Elapsed > within)
            {
                var now = await KernelRules.OwnedAsync(cluster);
                Assert.Fail($"{kind}: not repaired within {within.TotalSeconds} s; missing: {string.Join(" | ", want.Except(now))}; extra: {string.Join(" | ", now.Except(want))}\n{cluster.Agent.Tail(10)}");
            }

            await Task.Delay(100);
        }

        return clock.Elapsed;
    }

    /// <summary>
    /// The counters once they show <paramref name="expected"/>, or as they are after a few seconds:
    /// a full resync counts its repair only after both families, so IPv4's rules are back a
    /// moment before the count is.
    /// </summary>
    private static async Task<(double Canary, double FullResync)> DriftRepairsReachAsync(AgentCluster cluster, (double Canary, double FullResync) expected)
    {
        var clock = Stopwatch.StartNew();
        var now = await DriftRepairsAsync(cluster);
        while (now != expected && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(100);
            now = await DriftRepairsAsync(cluster);
        }

        return now;
    }

    private static async Task<(double Canary, double FullResync)> DriftRepairsAsync(AgentCluster cluster)
    {
        var metrics = await cluster.Node1.ExecAsync("curl", "-s", "http://127.0.0.1:10249/metrics");
        return (Count(metrics, "canary"), Count(metrics, "full_resync"));
    }

    private static double Count(string metrics, string trigger)
    {
        var match = Regex.Match(metrics, $@"^nodeproxy_drift_repairs_total{{trigger=""{trigger}""}} (\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
