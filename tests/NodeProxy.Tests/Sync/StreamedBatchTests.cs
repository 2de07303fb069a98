using System.Runtime.InteropServices;
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
/// The cold batch is written to iptables-restore as it is read from the rule set's own text,
/// never built whole: in a real namespace, a large cold load lands rule for rule, and a rule the
/// kernel refuses deep inside the stream is still named and changes nothing a packet sees.
/// </summary>
public sealed class StreamedBatchTests
{
    [Theory]
    [InlineData(IptablesBackend.Nft, 10_000)]
    [InlineData(IptablesBackend.Legacy, 3_000)]
    public async Task AColdLoadStreamedIntoAFreshNamespaceReadsBackIdentical(IptablesBackend backend, int services)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = FamilySyncerTests.Tables(ns, backend);
        var wanted = Renderer.Render(SyntheticModel.Create(services));
        var syncer = new FamilySyncer(tables);

        var cold = await syncer.SyncAsync(wanted, full: false);

        Assert.True(cold.Succeeded, cold.Error);
        Assert.True(cold.Batch.Bytes > 4 << 20, $"{cold.Batch.Bytes} bytes: too small to stream in many pieces");
        FamilySyncerTests.AssertKernelHolds(wanted, await tables.SaveAsync());
        Assert.True((await new FamilySyncer(tables).SyncAsync(wanted, full: false)).Batch.IsEmpty);
    }

    [Theory]
    [InlineData(IptablesBackend.Nft)]
    [InlineData(IptablesBackend.Legacy)]
    public async Task ARuleRefusedDeepInsideTheStreamIsNamedAndPacketsSeeWhatTheySaw(IptablesBackend backend)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = FamilySyncerTests.Tables(ns, backend);
        var model = SyntheticModel.Create(2_000);
        var syncer = new FamilySyncer(tables);
        Assert.True((await syncer.SyncAsync(Renderer.Render(model), full: false)).Succeeded);
        var before = SaveParser.Parse(await tables.SaveAsync());

        // Every service gains an endpoint (new chains, changed ones), and one chain past the middle
        // gets a rule the kernel has no module for.
        var grown = Renderer.Render(SyntheticModel.Create(2_000, endpointsPerService: 11));
        var nat = grown.Find("nat")!;
        var at = nat.Chains.Length * 3 / 4;
        var bad = nat.Chains[at];
        var broken = grown with
        {
            Tables = grown.Tables.Replace(nat, nat with
            {
                Chains = nat.Chains.SetItem(at, new Chain(bad.Name, RuleText.Of([.. bad.Text, "-m nosuchmatch -j ACCEPT"]))),
            }),
        };

        var failed = await syncer.SyncAsync(broken, full: false);

        Assert.False(failed.Succeeded);
        Assert.True(failed.Batch.Text.IndexOf("nosuchmatch", StringComparison.Ordinal) > 1 << 20, "the refused rule is not deep in the batch");
        Assert.Contains(failed.OffendingLines, l => l.Contains($"{bad.Name} ", StringComparison.Ordinal) && l.Contains("nosuchmatch", StringComparison.Ordinal));
        // What a packet can reach is as it was; only chains nothing jumps to yet may have been staged ahead.
        var after = SaveParser.Parse(await tables.SaveAsync());
        foreach (var (name, table) in before.Tables)
        {
            foreach (var (chain, rules) in table.Chains)
            {
                Assert.Equal(rules.ToArray(), after.Table(name).Chains[chain].ToArray());
            }

            Assert.Equal(table.Jumps.ToArray(), after.Table(name).Jumps.ToArray());
        }

        Assert.True((await syncer.SyncAsync(grown, full: true)).Succeeded);
        FamilySyncerTests.AssertKernelHolds(grown, await tables.SaveAsync());
    }

    [Fact]
    public void AColdBatchWritesTheRuleSetsOwnBytesNotACopy()
    {
        var wanted = Renderer.Render(SyntheticModel.Create(1_000));
        var held = wanted.Tables.SelectMany(t => t.Chains).Select(c => Array(c.Text.Bytes)).ToHashSet(ReferenceEqualityComparer.Instance);

        var batch = Differ.Diff(KernelTables.Empty, wanted, stagingLimit: 50);

        var shared = batch.Chunks().Where(c => held.Contains(Array(c))).Sum(c => c.Length);
        Assert.True(shared > batch.Bytes / 2, $"{shared} of {batch.Bytes} bytes come from the rule set's text");
        Assert.Equal(batch.Bytes, batch.Chunks().Sum(c => c.Length));
        Assert.Equal(batch.Bytes, System.Text.Encoding.UTF8.GetByteCount(batch.Text));
    }

    private static byte[]? Array(ReadOnlyMemory<byte> bytes) => MemoryMarshal.TryGetArray(bytes, out var segment) ? segment.Array : null;
}
