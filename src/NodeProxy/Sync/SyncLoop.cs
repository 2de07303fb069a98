using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NodeProxy.Model;

namespace NodeProxy.Sync;

/// <summary>
/// The one loop that changes the rules, through the <see cref="IRuleTables"/> its
/// <see cref="Syncer"/> is given (Apply's tools in the agent). Sources only call <see cref="Trigger"/>; the loop
/// coalesces triggers into one sync at most every MinSyncPeriod, syncs at least every SyncPeriod
/// (checking the canary then), rewrites everything every FullSyncPeriod and retries a failure,
/// backing off (<see cref="RetryBackoff"/>) while failures go on: in full for the family that
/// failed (or for all, when the failure was not one family's restore). A source that cannot load
/// (null model) never removes rules: the node keeps forwarding with what it last knew.
/// </summary>
/// <param name="trimMemory">Returns freed memory to the system; see <see cref="SyncLoopOptions.TrimAfterBytes"/>.</param>
public sealed class SyncLoop(Func<ModelResult?> load, Syncer syncer, SyncLoopOptions options, TimeProvider time, ILogger log, Action? trimMemory = null)
{
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly RetryBackoff backoff = new(options.RetryPeriod, options.SyncPeriod, options.Random);

    /// <summary>Called after every sync attempt with the time its model was taken, for tests and metrics.</summary>
    public event Action<SyncReport, DateTimeOffset>? Synced;

    public void Trigger() => wake.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken cancel)
    {
        var lastFull = time.GetUtcNow();
        var lastCanary = lastFull;
        var needFull = false;
        var failed = false;
        while (!cancel.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            try
            {
                if (load() is { } model)
                {
                    // The canary is probed once a sync period, however busy the node is.
                    var probe = started - lastCanary >= options.SyncPeriod;
                    if (probe)
                    {
                        lastCanary = started;
                    }

                    var full = needFull || started - lastFull >= options.FullSyncPeriod
                        || (probe && !await syncer.CanariesPresentAsync(cancel));
                    var report = await syncer.SyncAsync(model, full, cancel);

                    // A family that failed is synced in full next time by the syncer itself;
                    // the others, whose rules went in, need not read their tables back.
                    failed = !report.Succeeded;
                    needFull = false;
                    if (full && report.Succeeded)
                    {
                        lastFull = started;
                    }

                    Synced?.Invoke(report, started);
                    if (report.Bytes >= options.TrimAfterBytes)
                    {
                        (trimMemory ?? TrimMemory)();
                    }
                }
            }
            catch (Exception e) when (e is RuleTablesException or IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // iptables-save itself failed, or the tool is missing: nothing was written.
                log.LogError("sync failed, retrying in full: {Error}", e.Message);
                needFull = true;
                failed = true;
            }

            if (failed)
            {
                // Changes arriving meanwhile do not cut a backoff short: they stay coalesced and
                // the retry applies them all.
                var delay = backoff.Next();
                log.LogWarning("sync failed {Count} times in a row; next attempt in {Millis} ms", backoff.Failures, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, time, cancel);
            }
            else
            {
                backoff.Reset();

                // Wake for the full resync when it falls due, not at the next sync-period tick
                // after it: drift only the full resync sees is repaired within --full-sync-period.
                var untilFull = lastFull + options.FullSyncPeriod - time.GetUtcNow();
                await WaitAsync(untilFull < options.SyncPeriod ? TimeSpan.FromTicks(Math.Max(untilFull.Ticks, 0)) : options.SyncPeriod, cancel);
            }

            var since = time.GetUtcNow() - started;
            if (since < options.MinSyncPeriod)
            {
                await Task.Delay(options.MinSyncPeriod - since, time, cancel);
            }

            wake.Reader.TryRead(out _);
        }
    }

    private static void TrimMemory() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <returns>True when triggered, false when the period ran out.</returns>
    private async Task<bool> WaitAsync(TimeSpan period, CancellationToken cancel)
    {
        using var timeout = new CancellationTokenSource(period, time);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token);
        try
        {
            return await wake.Reader.WaitToReadAsync(both.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return false;
        }
    }
}
