using NodeProxy.Model;
using NodeProxy.Rendering;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Watch;

/// <summary>API server -> informers -> sync loop -> the real kernel in a namespace.</summary>
public sealed class WatchSyncTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ABurstOfAThousandChangesBecomesFewSyncsEndingInTheExactState()
    {
        await using var run = await ApiToKernel.CreateAsync(100, new SyncLoopOptions());
        var (server, changes, source, config, tables, reports) = (run.Server, run.Changes, run.Source, run.Config, run.Tables, run.Reports);
        var latencies = new LatencyRecorder();
        var singles = new LatencyRecorder();
        var measuring = false;
        var single = false;
        run.Loop.Synced += (report, started) =>
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} sync {report.Duration.TotalMilliseconds:F0} ms, started {started:HH:mm:ss.fff}, {report.Bytes} bytes");
            // The phase is read before the changes are taken: once the test sees nothing pending,
            // every burst change has been taken by a handler that already knew it was the burst.
            var isSingle = Volatile.Read(ref single);
            var isMeasuring = Volatile.Read(ref measuring);
            var applied = changes.Applied(started);
            if (isSingle)
            {
                singles.Record(applied);
            }
            else if (isMeasuring)
            {
                latencies.Record(applied);
            }
        };
        await run.StartAsync();
        var running = run.Running;
        var before = reports.Count;
        Volatile.Write(ref measuring, true);

        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} burst starts");
        // 1,000 writes: every service's endpoints change ten times; the last write wins.
        for (var round = 1; round <= 10; round++)
        {
            server.ApplyMany(Enumerable.Range(0, 100).Select(i => Slice($"svc{i}", $"10.244.{i}.{round + 1}")));
        }

        await Poll.UntilAsync(() => source.Snapshot()!.EndpointSlices.All(s => s.Endpoints.Single().Addresses[0].EndsWith(".11", StringComparison.Ordinal)), running, seconds: 20);
        var wanted = Renderer.Render(ModelBuilder.Build(source.Snapshot()!, config).V4);
        await Poll.UntilAsync(() => OwnedRules.InSave(tables.SaveAsync().Result).SequenceEqual(OwnedRules.Of(wanted)), running, seconds: 20);
        var syncs = reports.Count - before;

        // Then single changes on a quiet system, one at a time. The kernel can show the burst's
        // last sync before the loop reports it: wait for that report, or it counts as a single.
        await Poll.UntilAsync(() => Enum.GetValues<ChangeKind>().All(k => changes.Pending(k) == 0), running, seconds: 20);
        Volatile.Write(ref single, true);
        for (var i = 0; i < 10; i++)
        {
            var address = $"10.244.{i}.99";
            server.Apply(Slice($"svc{i}", address));
            await Poll.UntilAsync(() => OwnedRules.InSave(tables.SaveAsync().Result).Any(r => r.Contains(address, StringComparison.Ordinal)), running, seconds: 20);
            // The loop reports a sync just after its restore; iptables-save can see the rules first.
            var expected = i + 1;
            await Poll.UntilAsync(() => singles.Count >= expected, running, seconds: 20);
        }

        output.WriteLine($"single changes: network programming latency p50 {singles.Percentile(50).TotalMilliseconds:F0} ms, max {singles.Percentile(100).TotalMilliseconds:F0} ms over {singles.Count} changes");
        Assert.Equal(10, singles.Count);
        output.WriteLine($"{syncs} syncs for 1,000 changes; network programming latency p50 {latencies.Percentile(50).TotalMilliseconds:F0} ms, p99 {latencies.Percentile(99).TotalMilliseconds:F0} ms over {latencies.Count} changes");
        Assert.InRange(syncs, 1, 30);
        Assert.All(reports, r => Assert.True(r.Succeeded));
    }
}
