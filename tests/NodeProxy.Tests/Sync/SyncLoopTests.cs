using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Apply;
using NodeProxy.Conntrack;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Sync;
using NodeProxy.Tests.Diff;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Sync;

/// <summary>The loop driving the real kernel in a namespace: coalescing, canary, a source that fails.</summary>
public sealed class SyncLoopTests
{
    [Fact]
    public async Task ABurstOfChangesBecomesAFewSyncsEndingInTheLastState()
    {
        await using var run = await LoopRun.StartAsync(SyntheticModel.Create(20));
        await run.WaitForAsync(r => r.Succeeded);
        var before = run.Reports.Count;

        for (var i = 0; i < 200; i++)
        {
            run.Model = SyntheticModel.Replace(run.Model, i % 20, p => p with { ClusterEndpoints = [.. p.ClusterEndpoints.Select(e => e with { Port = e.Port + 1 })] });
            run.Loop.Trigger();
        }

        var final = run.Model;
        await run.WaitForAsync(_ => ReferenceEquals(run.Applied, final));
        Assert.InRange(run.Reports.Count - before, 1, 10);
        Assert.Equal(OwnedRules.Of(Renderer.Render(final)), OwnedRules.InSave(await run.Tables.SaveAsync()));
    }

    [Fact]
    public async Task MemoryIsGivenBackAfterALargeSyncOnly()
    {
        await using var run = await LoopRun.StartAsync(SyntheticModel.Create(20));
        await run.WaitForAsync(r => r.Succeeded);
        Assert.True(run.Reports.First(r => r.Succeeded).Bytes >= LoopRun.TrimAfterBytes);
        // The loop trims right after it reports the sync.
        for (var wait = 0; wait < 100 && run.Trims == 0; wait++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, run.Trims);

        run.Model = SyntheticModel.Replace(run.Model, 3, p => p with { ClusterEndpoints = p.ClusterEndpoints.RemoveAt(0) });
        var changed = run.Model;
        run.Loop.Trigger();
        await run.WaitForAsync(_ => ReferenceEquals(run.Applied, changed));

        // The sync that wrote the change (a periodic one after it may have written nothing).
        Assert.InRange(run.Reports.Last(r => r.Bytes > 0).Bytes, 1, LoopRun.TrimAfterBytes - 1);
        Assert.Equal(1, run.Trims);
    }

    [Fact]
    public async Task AFlushedTableIsRepairedAtTheNextPeriodicSync()
    {
        await using var run = await LoopRun.StartAsync(SyntheticModel.Create(5));
        await run.WaitForAsync(r => r.Succeeded);

        await run.Namespace.RunAsync("iptables-nft", ["-t", "nat", "-F"]);
        await run.Namespace.RunAsync("iptables-nft", ["-t", "nat", "-X"]);

        await run.WaitForAsync(r => r.Families[0].Full);
        Assert.Equal(OwnedRules.Of(Renderer.Render(run.Model)), OwnedRules.InSave(await run.Tables.SaveAsync()));
    }

    [Fact]
    public async Task TheFullResyncComesWhenDueNotAtTheNextSyncPeriodTick()
    {
        await using var run = await LoopRun.StartAsync(SyntheticModel.Create(5), syncPeriod: TimeSpan.FromSeconds(30), fullSyncPeriod: TimeSpan.FromMilliseconds(500));
        await run.WaitForAsync(r => r.Succeeded);
        var stray = "NP-STRAY-DUE";
        await run.Namespace.RunAsync("iptables-nft", ["-t", "nat", "-N", stray]);

        // WaitForAsync gives up after 10 s, well before the 30 s sync period.
        await run.WaitForAsync(r => r.Families[0].Full && r.Families[0].Drifted);
        Assert.DoesNotContain(stray, await run.Tables.SaveAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASourceThatCannotLoadLeavesTheRulesAlone()
    {
        await using var run = await LoopRun.StartAsync(SyntheticModel.Create(5));
        await run.WaitForAsync(r => r.Succeeded);
        var count = run.Reports.Count;

        run.Unreadable = true;
        run.Loop.Trigger();
        await Task.Delay(1000);

        Assert.Equal(count, run.Reports.Count);
        Assert.Equal(OwnedRules.Of(Renderer.Render(run.Model)), OwnedRules.InSave(await run.Tables.SaveAsync()));
    }


    private sealed class LoopRun : IAsyncDisposable
    {
        /// <summary>Between a 20-service cold load (~20 KB) and one endpoint change (a few hundred bytes).</summary>
        public const int TrimAfterBytes = 5_000;

        private readonly CancellationTokenSource stop = new();
        private Task running = Task.CompletedTask;
        private int trims;

        public int Trims => Volatile.Read(ref trims);

        private LoopRun(NetworkNamespace ns, NodeModel model, TimeSpan? syncPeriod, TimeSpan? fullSyncPeriod)
        {
            Namespace = ns;
            Model = model;
            Tables = new IptablesTool(IpFamily.V4, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name]);
            var syncer = new Syncer([new FamilySyncer(Tables)], new ConntrackTool(["ip", "netns", "exec", ns.Name]), NullLogger.Instance);
            var options = new SyncLoopOptions { SyncPeriod = syncPeriod ?? TimeSpan.FromMilliseconds(300), MinSyncPeriod = TimeSpan.FromMilliseconds(50), TrimAfterBytes = TrimAfterBytes };
            if (fullSyncPeriod is { } period)
            {
                options = options with { FullSyncPeriod = period };
            }

            Loop = new SyncLoop(Load, syncer, options, TimeProvider.System, NullLogger.Instance, () => Interlocked.Increment(ref trims));
            Loop.Synced += (report, _) =>
            {
                Reports.Enqueue(report);
                Applied = lastLoaded;
            };
        }

        public NetworkNamespace Namespace { get; }

        public IptablesTool Tables { get; }

        public SyncLoop Loop { get; }

        public volatile NodeModel Model;

        public volatile bool Unreadable;

        public volatile NodeModel? Applied;

        private volatile NodeModel? lastLoaded;

        public ConcurrentQueue<SyncReport> Reports { get; } = new();

        public static async Task<LoopRun> StartAsync(NodeModel model, TimeSpan? syncPeriod = null, TimeSpan? fullSyncPeriod = null)
        {
            var run = new LoopRun(await NetworkNamespace.CreateAsync(), model, syncPeriod, fullSyncPeriod);
            run.running = Task.Run(() => run.Loop.RunAsync(run.stop.Token));
            return run;
        }

        public async Task WaitForAsync(Func<SyncReport, bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!Reports.Any(condition))
            {
                Assert.True(DateTime.UtcNow < deadline, "the loop did not get there within 10 s");
                Assert.False(running.IsFaulted, running.Exception?.ToString());
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            stop.Cancel();
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }

            await Namespace.DisposeAsync();
        }

        private ModelResult? Load()
        {
            if (Unreadable)
            {
                return null;
            }

            var model = Model;
            lastLoaded = model;
            return new ModelResult(model, new NodeModel(IpFamily.V6, model.NodeName, model.MasqueradeMark), []);
        }
    }
}
