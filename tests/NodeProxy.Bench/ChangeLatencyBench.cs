using System.Diagnostics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Apply;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;
using NodeProxy.Tests.Diff;
using NodeProxy.Tests.FakeApi;

namespace NodeProxy.Bench;

/// <param name="Changes">EndpointSlice writes during the stream, each one measured.</param>
/// <param name="Syncs">Syncs that put at least one of them in the kernel.</param>
/// <param name="P50">Network programming latency: from the API write to the end of the restore that carried it.</param>
internal sealed record LatencyResult(int Services, int ChangesPerSecond, int Changes, int Syncs, TimeSpan P50, TimeSpan P99, TimeSpan Max)
{
    /// <summary>Latencies recorded: one per slice per sync that applied it, so at most <see cref="Changes"/>.</summary>
    public int Samples { get; init; }

    /// <summary>The median time one of those syncs took (render, diff, restores, conntrack; the model build before it is not counted): what a change queues behind.</summary>
    public TimeSpan SyncP50 { get; init; }
}

/// <summary>
/// Network programming latency under a steady stream of endpoint changes, the load a busy
/// cluster puts on every node: a fake API server -> the real informers -> ChangeTracker ->
/// SyncLoop (the agent's defaults) -> the real iptables-nft in a fresh namespace, as
/// WatchSyncTests wires them, with the latency the agent's own metric reports.
/// </summary>
internal static class ChangeLatencyBench
{
    private static readonly TimeSpan FirstSyncTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long the last changes may take to reach the kernel after the stream ends.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    public static async Task<LatencyResult> MeasureAsync(int services, int changesPerSecond, TimeSpan duration, CancellationToken cancel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(services, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(changesPerSecond, 1);
        var total = (int)(duration.TotalSeconds * changesPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1, nameof(duration));

        await using var server = await FakeApiServer.StartAsync();
        server.RecordManagedFields = BenchObjects.ManagedFields;
        await using var ns = await BenchNamespace.CreateAsync();
        server.Apply(SyntheticCluster.Node());
        server.ApplyMany(Enumerable.Range(0, services).SelectMany(i => new IKubernetesObject<V1ObjectMeta>[] { SyntheticCluster.Service(i), SyntheticCluster.Slice(i) }));

        var changes = new ChangeTracker(TimeProvider.System);
        var source = KubernetesSource.Create(server.NewClient(), SyntheticModel.NodeName, new InformerOptions(), changes, NullLogger.Instance);
        var config = new NodeConfig(SyntheticModel.NodeName) { ClusterCidrs = [IpNet.Parse(SyntheticCluster.ClusterCidr)], NodePortRange = SyntheticCluster.NodePorts };
        // Plain ip netns exec, as the agent in a pod runs iptables: iptables-nft takes no xtables
        // lock, so BenchNamespace's private /run would only add a shell and a mount per restore.
        string[] inNamespace = ["ip", "netns", "exec", ns.Name];
        // Both families, as the agent syncs them: IPv6 has no services here but is rendered and diffed every time.
        var syncer = new Syncer(
            [new FamilySyncer(new IptablesTool(IpFamily.V4, IptablesBackend.Nft, inNamespace)), new FamilySyncer(new IptablesTool(IpFamily.V6, IptablesBackend.Nft, inNamespace))],
            new ConntrackTool(inNamespace), NullLogger.Instance);
        var models = new ModelCache();
        var loop = new SyncLoop(() => source.Snapshot() is { } s ? ModelBuilder.Build(s, config, models) : null, syncer, new SyncLoopOptions(), TimeProvider.System, NullLogger.Instance);

        var latencies = new LatencyRecorder(capacity: total);
        var firstSync = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var measuring = false;
        var syncs = 0;
        var measured = 0;
        var durations = new List<TimeSpan>();
        string? failure = null;
        loop.Synced += (report, started) =>
        {
            if (!report.Succeeded)
            {
                failure ??= string.Join("; ", report.Families.Where(f => !f.Succeeded).Select(f => f.Error));
                return;
            }

            // As the agent's Observability does: only a sync that succeeded has applied its changes.
            var applied = changes.Applied(started);
            firstSync.TrySetResult();
            if (Volatile.Read(ref measuring) && applied.Count > 0)
            {
                latencies.Record(applied);
                lock (durations)
                    durations.Add(report.Duration);
                Interlocked.Increment(ref syncs);
                Interlocked.Add(ref measured, applied.Count);
            }
        };
        changes.Dirty += loop.Trigger;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var running = Task.WhenAll(source.RunAsync(stop.Token), loop.RunAsync(stop.Token));
        try
        {
            await Task.WhenAny(firstSync.Task, running).WaitAsync(FirstSyncTimeout, cancel);
            ThrowIfBroken(running, failure);
            if (!firstSync.Task.IsCompleted)
            {
                throw new InvalidOperationException("the sync loop ended before its first sync");
            }

            // The last informer's list may trigger just after the first sync began; that sync's
            // follow-up must not count as the stream's.
            await UntilAsync(() => changes.Pending(ChangeKind.Service) + changes.Pending(ChangeKind.Endpoints) + changes.Pending(ChangeKind.Other) == 0,
                TimeSpan.FromSeconds(30), "the changes of the initial lists were not all synced", running, () => failure, cancel);
            Volatile.Write(ref measuring, true);
            var seenBefore = changes.EndpointChangesTotal;

            await StreamAsync(server, services, changesPerSecond, total, running, cancel);
            // Every write must arrive as its own event, and then every pending change reach the
            // kernel. The tracker holds a slice's changes as one while a sync is still to take
            // them (as kube-proxy's change tracker does), so a slice written twice within one
            // sync's reach is one latency sample, timed from its older write: fewer samples
            // than writes is the agent coalescing, not losing, changes.
            await UntilAsync(() => changes.EndpointChangesTotal - seenBefore >= total && changes.Pending(ChangeKind.Endpoints) == 0,
                DrainTimeout, $"not every change reached the kernel ({changes.EndpointChangesTotal - seenBefore} of {total} seen, {changes.Pending(ChangeKind.Endpoints)} slices pending)", running, () => failure, cancel);
            ThrowIfBroken(running, failure);
            if (changes.EndpointChangesTotal - seenBefore != total)
            {
                throw new InvalidOperationException($"{changes.EndpointChangesTotal - seenBefore} changes were seen for {total} written: some write was not seen as one change");
            }

            return new LatencyResult(services, changesPerSecond, total, Volatile.Read(ref syncs), latencies.Percentile(50), latencies.Percentile(99), latencies.Percentile(100))
            {
                Samples = Volatile.Read(ref measured),
                SyncP50 = Median(durations),
            };
        }
        finally
        {
            // Before the namespace goes: a sync must not be half-way through a restore into it.
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static TimeSpan Median(List<TimeSpan> durations)
    {
        lock (durations)
            return durations.Count == 0 ? TimeSpan.Zero : Medians.Of(durations);
    }

    /// <summary>
    /// Change k is written at k / rate seconds by the clock, whatever the agent does meanwhile:
    /// an open loop, so a slow sync delays no write and is not hidden by fewer changes. Each
    /// moves endpoint 0 of a random service (and back on its next turn), as a pod being replaced.
    /// </summary>
    private static async Task StreamAsync(FakeApiServer server, int services, int changesPerSecond, int total, Task running, CancellationToken cancel)
    {
        var random = new Random(services);
        var moved = new bool[services];
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < total; k++)
        {
            var wait = TimeSpan.FromSeconds((double)k / changesPerSecond) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancel);
            }

            if (running.IsFaulted)
            {
                break;
            }

            var i = random.Next(services);
            moved[i] = !moved[i];
            server.Apply(SyntheticCluster.Slice(i, moved[i], triggered: DateTimeOffset.UtcNow));
        }
    }

    private static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string message, Task running, Func<string?> failure, CancellationToken cancel)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            ThrowIfBroken(running, failure());
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{message} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(10, cancel);
        }
    }

    /// <summary>A failed sync would be retried in full, and its latencies would then be of recovery, not of the stream.</summary>
    private static void ThrowIfBroken(Task running, string? failure)
    {
        if (running.IsFaulted)
        {
            throw new InvalidOperationException("the informers or the sync loop failed", running.Exception);
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"a sync failed: {failure}");
        }
    }
}
