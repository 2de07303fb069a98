using NodeProxy.Diff;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Tests.Rendering;
using Xunit;

namespace NodeProxy.Tests.Kernel;

/// <summary>
/// Walks the real kernel through every golden case in turn, each time applying only the diff
/// from what iptables-save reads back, and checks that the kernel then holds exactly the wanted
/// rules: rule edits, stale chain deletion and jump handling are right on both backends.
/// </summary>
public sealed class DiffConvergenceTests
{
    [Theory]
    [InlineData("nft", 4, null)]
    [InlineData("legacy", 4, null)]
    [InlineData("nft", 6, null)]
    [InlineData("legacy", 6, null)]
    [InlineData("nft", 4, 1)] // every new chain in a transaction of its own: the order must hold
    [InlineData("nft", 6, 2)]
    public async Task EachDiffTakesTheKernelToTheWantedRules(string backend, int family, int? stagingLimit)
    {
        var tool = family == 4 ? "iptables" : "ip6tables";
        await using var ns = await NetworkNamespace.CreateAsync();
        var cases = GoldenTests.CaseNames().ToList();
        // Forward through the cases, then back, so every case is reached from two different states.
        foreach (var name in cases.Concat(Enumerable.Reverse(cases)).Append("clusterip"))
        {
            var wanted = Render(name, family);
            var before = SaveParser.Parse(await ns.RunAsync($"{tool}-{backend}-save", []));
            var batch = Differ.Diff(before, wanted, stagingLimit);
            if (!batch.IsEmpty)
            {
                await ns.RunAsync($"{tool}-{backend}-restore", ["--noflush", "--wait"], batch.Text);
            }

            var after = SaveParser.Parse(await ns.RunAsync($"{tool}-{backend}-save", []));
            AssertSame(KernelTables.From(wanted), after, name);
        }
    }

    [Fact]
    public async Task TheFirstBatchIsTheRenderedBatchAndASecondDiffIsEmpty()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var wanted = Render("nodeport", 4);

        var first = Differ.Diff(SaveParser.Parse(await ns.RunAsync("iptables-nft-save", [])), wanted);
        Assert.Equal(RestoreText.Write(wanted).Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal)), first.Text.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal)));
        await ns.RunAsync("iptables-nft-restore", ["--noflush", "--wait"], first.Text);

        var second = Differ.Diff(SaveParser.Parse(await ns.RunAsync("iptables-nft-save", [])), wanted);
        Assert.True(second.IsEmpty, second.Text);
    }

    private static RuleSet Render(string name, int family)
    {
        var pipeline = TestPipeline.FromGoldenCase(name);
        return Renderer.Render(pipeline.Model.For((IpFamily)family));
    }

    internal static void AssertSame(KernelTables wanted, KernelTables actual, string name)
    {
        foreach (var table in new[] { "nat", "filter" })
        {
            var w = wanted.Table(table);
            var a = actual.Table(table);
            Assert.True(w.Chains.Keys.Order().SequenceEqual(a.Chains.Keys.Order()), $"{name}/{table}: chains differ: wanted {string.Join(",", w.Chains.Keys.Order())} got {string.Join(",", a.Chains.Keys.Order())}");
            foreach (var (chain, rules) in w.Chains)
            {
                Assert.True(rules.SequenceEqual(a.Chains[chain]), $"{name}/{table}/{chain}: wanted\n{string.Join('\n', rules)}\ngot\n{string.Join('\n', a.Chains[chain])}");
            }

            Assert.Equal(w.Jumps.Select(j => $"{j.BuiltinChain} {j.Spec}").Order(), a.Jumps.Select(j => $"{j.BuiltinChain} {j.Spec}").Order());
        }
    }
}
