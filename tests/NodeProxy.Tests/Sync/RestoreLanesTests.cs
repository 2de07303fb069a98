using NodeProxy.Apply;
using NodeProxy.Diff;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Sync;
using NodeProxy.Tests.Diff;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Sync;

/// <summary>
/// On iptables-nft a cold load's staged chains go in through several restores side by side
/// (<see cref="IptablesTool.RestoreLanes"/>): in a real namespace the kernel ends up with exactly
/// the rules one restore gives, and a rule refused in one lane is named from that lane's input
/// while nothing a packet can reach has changed.
/// </summary>
public sealed class RestoreLanesTests
{
    // Affinity and Local services give chains two and three deep: more than one wave.
    private static readonly ClusterMix Deep = new(NodePortEvery: 3, AffinityEvery: 5, LocalEvery: 4);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task AColdLoadInLanesLeavesTheKernelWithExactlyTheWantedRules(int lanes)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = new IptablesTool(Net.IpFamily.V4, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name]) { RestoreLanes = lanes };
        var wanted = Renderer.Render(SyntheticModel.Create(1_500, mix: Deep));
        var syncer = new FamilySyncer(tables);

        var cold = await syncer.SyncAsync(wanted, full: false);

        Assert.True(cold.Succeeded, cold.Error);
        var steps = cold.Batch.Steps(lanes);
        Assert.True(steps.Count >= 3 && steps.Any(s => s.Count == lanes), $"{steps.Count} steps of {string.Join(",", steps.Select(s => s.Count))} parts: the load did not use the lanes");
        FamilySyncerTests.AssertKernelHolds(wanted, await tables.SaveAsync());
        Assert.True((await new FamilySyncer(tables).SyncAsync(wanted, full: false)).Batch.IsEmpty);
    }

    [Fact]
    public async Task ARuleRefusedInOneLaneIsNamedAndNothingAPacketReachesIsWritten()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = new IptablesTool(Net.IpFamily.V4, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name]) { RestoreLanes = 2 };
        var wanted = Renderer.Render(SyntheticModel.Create(1_500, mix: Deep));
        var nat = wanted.Find("nat")!;
        var at = nat.Chains.Length * 3 / 4;
        var bad = nat.Chains[at];
        Assert.StartsWith("NP-", bad.Name);
        var broken = wanted with
        {
            Tables = wanted.Tables.Replace(nat, nat with
            {
                Chains = nat.Chains.SetItem(at, new Chain(bad.Name, RuleText.Of([.. bad.Text, "-m nosuchmatch -j ACCEPT"]))),
            }),
        };
        var syncer = new FamilySyncer(tables);

        var failed = await syncer.SyncAsync(broken, full: false);

        Assert.False(failed.Succeeded);
        Assert.Contains(failed.OffendingLines, l => l.Contains($"-A {bad.Name} ", StringComparison.Ordinal) && l.Contains("nosuchmatch", StringComparison.Ordinal));
        var after = SaveParser.Parse(await tables.SaveAsync());
        Assert.All(after.Tables.Values, t => Assert.Empty(t.Jumps));

        // The next sync reads the kernel back and removes what the failed one staged.
        Assert.True((await syncer.SyncAsync(wanted, full: false)).Succeeded);
        FamilySyncerTests.AssertKernelHolds(wanted, await tables.SaveAsync());
    }
}
