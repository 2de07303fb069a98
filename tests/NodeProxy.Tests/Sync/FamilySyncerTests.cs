using NodeProxy.Apply;
using NodeProxy.Diff;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Sync;
using NodeProxy.Tests.Diff;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Sync;

/// <summary>The syncer against the real kernel, in a namespace the test made, on both backends.</summary>
public sealed class FamilySyncerTests
{
    private static readonly RuleSet Wanted = Renderer.Render(TestPipeline.FromGoldenCase("nodeport").Model.V4);

    [Theory]
    [InlineData(IptablesBackend.Nft)]
    [InlineData(IptablesBackend.Legacy)]
    public async Task ARestartedAgentAdoptsTheRulesWithoutWritingAndANoChangeSyncWritesNothing(IptablesBackend backend)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = Tables(ns, backend);
        var first = await new FamilySyncer(tables).SyncAsync(Wanted, full: false);
        Assert.True(first.Succeeded, first.Error);
        Assert.False(first.Batch.IsEmpty);

        var restarted = new FamilySyncer(tables);
        var adopted = await restarted.SyncAsync(Wanted, full: false);
        var again = await restarted.SyncAsync(Wanted, full: false);

        Assert.True(adopted.ReadKernel);
        Assert.Equal("", adopted.Batch.Text);
        Assert.False(again.ReadKernel);
        Assert.Equal("", again.Batch.Text);
        AssertKernelHolds(Wanted, await tables.SaveAsync());
    }

    [Theory]
    [InlineData(IptablesBackend.Nft)]
    [InlineData(IptablesBackend.Legacy)]
    public async Task ARefusedBatchNamesTheLineKeepsTheWorkingRulesAndAFullResyncRepairs(IptablesBackend backend)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = Tables(ns, backend);
        var syncer = new FamilySyncer(tables);
        var model = SyntheticModel.Create(60);
        await syncer.SyncAsync(Renderer.Render(model), full: false);

        // Someone deletes svc3's NodePort rule behind NodeProxy's back; the next change removes
        // that NodePort with a rule edit by spec, which the kernel refuses.
        var save = await tables.SaveAsync();
        var nodePortRule = save.Split('\n').Single(l => l.StartsWith("-A NP-NODEPORTS ", StringComparison.Ordinal) && l.Contains("ns3/svc3:", StringComparison.Ordinal));
        await ns.RunAsync(backend == IptablesBackend.Nft ? "iptables-nft" : "iptables-legacy", ["-t", "nat", .. Split("-D" + nodePortRule[2..])]);
        var changed = Renderer.Render(SyntheticModel.Replace(model, 3, p => p with { NodePort = null }));
        var before = await tables.SaveAsync();

        var failed = await syncer.SyncAsync(changed, full: false);

        Assert.False(failed.Succeeded);
        Assert.Contains(failed.OffendingLines, l => l.Contains("-D NP-NODEPORTS", StringComparison.Ordinal));
        Assert.Equal(before, await tables.SaveAsync(), new SaveComparer());
        Assert.Null(syncer.Applied);

        var repaired = await syncer.SyncAsync(changed, full: true);

        Assert.True(repaired.Succeeded, repaired.Error);
        Assert.True(repaired.ReadKernel);
        AssertKernelHolds(changed, await tables.SaveAsync());
    }

    [Theory]
    [InlineData(IptablesBackend.Nft)]
    [InlineData(IptablesBackend.Legacy)]
    public async Task AFlushedTableIsNoticedByTheCanaryAndAFullResyncRestoresIt(IptablesBackend backend)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = Tables(ns, backend);
        var syncer = new FamilySyncer(tables);
        await syncer.SyncAsync(Wanted, full: false);
        Assert.True(await syncer.CanaryPresentAsync());

        // What a firewall reload does: flush and delete every chain of the table.
        var iptables = backend == IptablesBackend.Nft ? "iptables-nft" : "iptables-legacy";
        await ns.RunAsync(iptables, ["-t", "nat", "-F"]);
        await ns.RunAsync(iptables, ["-t", "nat", "-X"]);

        Assert.False(await syncer.CanaryPresentAsync());
        var quiet = await syncer.SyncAsync(Wanted, full: false);
        Assert.True(quiet.Batch.IsEmpty);
        var repaired = await syncer.SyncAsync(Wanted, full: true);
        Assert.True(repaired.Succeeded, repaired.Error);
        AssertKernelHolds(Wanted, await tables.SaveAsync());
        Assert.True(await syncer.CanaryPresentAsync());
    }

    [Fact]
    public async Task AFullResyncRepairsWhatDriftedRemovesStrayChainsAndWritesNothingElse()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = Tables(ns, IptablesBackend.Nft);
        var syncer = new FamilySyncer(tables);
        await syncer.SyncAsync(Wanted, full: false);
        var service = Wanted.Tables.Single(t => t.Name == "nat").Chains.First(c => c.Name.StartsWith("NP-SVC-", StringComparison.Ordinal)).Name;
        await ns.RunAsync("iptables-nft", ["-t", "nat", "-I", service, "1", "-j", "RETURN"]);
        await ns.RunAsync("iptables-nft", ["-t", "nat", "-N", "NP-STRAY"]);

        var quiet = await syncer.SyncAsync(Wanted, full: false);
        var full = await syncer.SyncAsync(Wanted, full: true);

        Assert.True(quiet.Batch.IsEmpty); // from memory, the drift is invisible
        Assert.Equal(1, full.Batch.ChainsWritten + full.Batch.RulesEdited);
        Assert.Contains(service, full.Batch.Text, StringComparison.Ordinal);
        Assert.Equal(1, full.Batch.ChainsDeleted);
        AssertKernelHolds(Wanted, await tables.SaveAsync());
    }

    internal static IptablesTool Tables(NetworkNamespace ns, IptablesBackend backend) =>
        new(IpFamily.V4, backend, ["ip", "netns", "exec", ns.Name]);

    internal static void AssertKernelHolds(RuleSet wanted, string save)
    {
        var expected = KernelTables.From(wanted);
        var actual = SaveParser.Parse(save);
        foreach (var (name, table) in expected.Tables)
        {
            Assert.Equal(table.Chains.Keys.Order(StringComparer.Ordinal), actual.Table(name).Chains.Keys.Order(StringComparer.Ordinal));
            foreach (var (chain, rules) in table.Chains)
            {
                Assert.Equal(rules.ToArray(), actual.Table(name).Chains[chain].ToArray());
            }

            Assert.Equal(table.Jumps.ToArray(), actual.Table(name).Jumps.ToArray());
        }
    }

    private static string[] Split(string rule) =>
        System.Text.RegularExpressions.Regex.Matches(rule, "\"[^\"]*\"|\\S+").Select(m => m.Value.Trim('"')).ToArray();

    /// <summary>iptables-save output, minus its timestamped comment lines and counters.</summary>
    private sealed class SaveComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => Rules(x).SequenceEqual(Rules(y));

        public int GetHashCode(string obj) => 0;

        private static IEnumerable<string> Rules(string? save) =>
            (save ?? "").Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal) || l.StartsWith(':'))
                .Select(l => l.StartsWith(':') ? l.Split(' ')[0] : l);
    }
}
