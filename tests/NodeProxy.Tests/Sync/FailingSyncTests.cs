using NodeProxy.Model;
using NodeProxy.Rendering;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;
using NodeProxy.Tests.Kernel;
using NodeProxy.Tests.Watch;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Sync;

/// <summary>
/// API server -> informers -> sync loop -> a real iptables-nft-restore that a wrapper first on
/// its PATH makes refuse every batch for a while.
/// </summary>
public sealed class FailingSyncTests(ITestOutputHelper output)
{
    private const int Objects = 5;

    [Fact]
    public async Task FailingRestoresBackOffPendingChangesStayPerObjectAndOneSyncAppliesThemAllAfterwards()
    {
        using var wrapper = ToolWrapper.Create("iptables-nft-restore");
        // No jitter here (RetryBackoffTests covers it): the gaps are then 1, 2, 4, 8 s plus each sync's own time.
        var options = new SyncLoopOptions { SyncPeriod = TimeSpan.FromSeconds(8), Random = () => 0 };
        await using var run = await ApiToKernel.CreateAsync(Objects, options, [wrapper.PathSetting]);
        var changes = run.Changes;
        run.Loop.Synced += (report, started) =>
        {
            if (report.Succeeded)
            {
                changes.Applied(started);
            }
        };
        await run.StartAsync();
        var working = OwnedRules.InSave(await run.Tables.SaveAsync());

        wrapper.Fail(true);
        var failingFrom = DateTimeOffset.UtcNow;
        run.Server.Apply(Slice("svc0", "10.244.0.250"));
        await Poll.UntilAsync(() => wrapper.Attempts().Count(a => a >= failingFrom) >= 5, run.Running, seconds: 40);
        var attempts = wrapper.Attempts().Where(a => a >= failingFrom).Take(5).ToList();
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        output.WriteLine($"gaps between failed restores: {string.Join(", ", gaps.Select(g => g.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} s");
        for (var i = 1; i < gaps.Count; i++)
        {
            Assert.True(gaps[i] > gaps[i - 1] * 1.3, $"gap {i} ({gaps[i]:F2} s) did not grow from {gaps[i - 1]:F2} s");
        }

        Assert.InRange(gaps[^1], options.SyncPeriod.TotalSeconds - 0.5, options.SyncPeriod.TotalSeconds + 2);

        // Still failing, now once a sync period: 10,000 events on the same few objects.
        const int rounds = 2_000;
        // The last round's address is its own: a poll for it cannot stop at an earlier round.
        const int lastHost = 251;
        for (var round = 1; round <= rounds; round++)
        {
            var host = round == rounds ? lastHost : (round % 200) + 2;
            run.Server.ApplyMany(Enumerable.Range(0, Objects).Select(i => Slice($"svc{i}", $"10.244.{i}.{host}")));
        }

        var last = $".{lastHost}";
        await Poll.UntilAsync(() => run.Source.Snapshot()!.EndpointSlices.All(s => s.Endpoints.Single().Addresses[0].EndsWith(last, StringComparison.Ordinal)), run.Running, seconds: 30);
        var pending = changes.Pending(ChangeKind.Endpoints);
        output.WriteLine($"{rounds * Objects} endpoint events on {Objects} slices while syncs fail: {pending} pending, {changes.EndpointChangesTotal} counted");
        Assert.InRange(pending, 1, Objects);
        Assert.Equal(working, OwnedRules.InSave(await run.Tables.SaveAsync()));

        var successes = run.Reports.Count(r => r.Succeeded);
        wrapper.Fail(false);
        await Poll.UntilAsync(() => run.Reports.Count(r => r.Succeeded) > successes, run.Running, seconds: 20);
        var wanted = OwnedRules.Of(Renderer.Render(ModelBuilder.Build(run.Source.Snapshot()!, run.Config).V4));
        Assert.Equal(wanted, OwnedRules.InSave(await run.Tables.SaveAsync()));
        await Task.Delay(1000);
        Assert.Equal(successes + 1, run.Reports.Count(r => r.Succeeded));
        Assert.Equal(0, changes.Pending(ChangeKind.Endpoints));
        Assert.Equal(0, changes.Pending(ChangeKind.Service));
    }
}
