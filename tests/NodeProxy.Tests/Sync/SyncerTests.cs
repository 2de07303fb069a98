using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Apply;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Sync;
using NodeProxy.Tests.Diff;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Sync;

public sealed class SyncerTests
{
    [Fact]
    public async Task ARefusedRestoreIsCountedAndTheFullResyncAfterItSucceeds()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = new IptablesTool(IpFamily.V4, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name]);
        var syncer = new Syncer([new FamilySyncer(tables)], new ConntrackTool(["ip", "netns", "exec", ns.Name]), NullLogger.Instance);
        var model = SyntheticModel.Create(60);
        Assert.True((await syncer.SyncAsync(Result(model), full: false)).Succeeded);

        // The rule the next change would delete by spec is already gone: the kernel refuses it.
        await ns.RunAsync("iptables-nft", ["-t", "nat", "-F", "NP-NODEPORTS"]);
        var changed = Result(SyntheticModel.Replace(model, 3, p => p with { NodePort = null }));
        var failed = await syncer.SyncAsync(changed, full: false);
        var repaired = await syncer.SyncAsync(changed, full: true);

        Assert.False(failed.Succeeded);
        Assert.True(repaired.Succeeded);
        Assert.Equal((3L, 1L, 1L), (syncer.Counters.Syncs, syncer.Counters.RestoreFailures, syncer.Counters.FullSyncs));
        Assert.Contains("ns6/svc6:http", await ns.RunAsync("iptables-nft", ["-t", "nat", "-S", "NP-NODEPORTS"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFullResyncCountsTheDriftItRepairsButNotAChangeOrWhatTheCanarySaw()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = new IptablesTool(IpFamily.V4, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name]);
        var syncer = new Syncer([new FamilySyncer(tables)], new ConntrackTool(["ip", "netns", "exec", ns.Name]), NullLogger.Instance);
        var model = SyntheticModel.Create(10);
        await syncer.SyncAsync(Result(model), full: false);

        // A change that happens to be applied by a full resync is no drift.
        var changed = SyntheticModel.Replace(model, 3, p => p with { NodePort = null });
        Assert.True((await syncer.SyncAsync(Result(changed), full: true)).Bytes > 0);
        Assert.Equal((0L, 0L), (syncer.Counters.FullResyncRepairs, syncer.Counters.CanaryRepairs));

        await ns.RunAsync("iptables-nft", ["-t", "nat", "-F", "NP-NODEPORTS"]);
        await syncer.SyncAsync(Result(changed), full: true);
        Assert.Equal((1L, 0L), (syncer.Counters.FullResyncRepairs, syncer.Counters.CanaryRepairs));

        // The canary's loss is counted once, as the canary's.
        await ns.RunAsync("iptables-nft", ["-t", "nat", "-X", "NP-CANARY"]);
        Assert.False(await syncer.CanariesPresentAsync());
        await syncer.SyncAsync(Result(changed), full: true);
        Assert.Equal((1L, 1L), (syncer.Counters.FullResyncRepairs, syncer.Counters.CanaryRepairs));
    }

    [Fact]
    public async Task OnlyTheFamilyWhoseRestoreWasRefusedIsRetriedInFull()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        using var wrapper = ToolWrapper.Create("iptables-nft-restore");
        var v4 = new IptablesTool(IpFamily.V4, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name, "env", wrapper.PathSetting]);
        var v6 = new IptablesTool(IpFamily.V6, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name]);
        var syncer = new Syncer([new FamilySyncer(v4), new FamilySyncer(v6)], new ConntrackTool(["ip", "netns", "exec", ns.Name]), NullLogger.Instance);
        var model = SyntheticModel.Create(60);
        Assert.True((await syncer.SyncAsync(Result(model), full: false)).Succeeded);

        wrapper.Fail(true);
        var changed = Result(SyntheticModel.Replace(model, 3, p => p with { NodePort = null }));
        var failed = await syncer.SyncAsync(changed, full: false);
        wrapper.Fail(false);
        var retry = await syncer.SyncAsync(Result(SyntheticModel.Replace(model, 4, p => p with { NodePort = null })), full: false);
        var after = await syncer.SyncAsync(Result(model), full: false);

        Assert.Equal([false, true], failed.Families.Select(f => f.Succeeded));
        Assert.True(retry.Succeeded);
        // The refused family reads its tables back and is counted a full sync; the one whose
        // rules went in goes on from what it applied.
        Assert.Equal([(true, true), (false, false)], retry.Families.Select(f => (f.Full, f.ReadKernel)));
        Assert.All(after.Families, f => Assert.False(f.Full || f.ReadKernel));
        Assert.Equal((1L, 1L), (syncer.Counters.RestoreFailures, syncer.Counters.FullSyncs));
    }

    private static ModelResult Result(NodeModel v4) => new(v4, new NodeModel(IpFamily.V6, v4.NodeName, v4.MasqueradeMark), []);
}
