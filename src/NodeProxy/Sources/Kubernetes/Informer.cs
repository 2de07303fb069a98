using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// Keeps one resource's <see cref="Store"/> in step with the API server, as client-go's
/// reflector does: one list (served from the watch cache, resourceVersion 0), then one watch
/// from the list's version with bookmarks, re-established from the last version seen whenever
/// it ends. Only a 410 Gone (the server forgot that version) costs a relist, which also
/// deletes what vanished meanwhile. Every error, of whatever type, is logged, counted and retried
/// with a jittered backoff that a success resets; a silent watch is replaced. Each object is
/// decoded alone: one that cannot be is skipped (and its stale version dropped), never the list.
/// Never a periodic relist: at 5,000 nodes those are what hurts the API server.
/// </summary>
public sealed class Informer<T>(ResourceApi<T> api, InformerOptions options, Action changed, ILogger log, TimeProvider? clock = null) : IInformerStats
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>How long an accepted watch must last, if it delivers nothing, to count as the end of a failure streak.</summary>
    private static readonly TimeSpan WatchProvenAfter = TimeSpan.FromSeconds(10);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, long> errors = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    // namespace/name of the objects that cannot be decoded now: each is logged once while it stays so.
    private readonly ConcurrentDictionary<string, byte> undecodable = new(StringComparer.Ordinal);
    private volatile bool synced;
    private long lists;
    private long watches;
    private long relists;
    private long undecodableTotal;
    private DateTimeOffset? outOfSyncSince;
    private string? lastError;

    // A watch the server accepted clears outOfSyncSince, but keeps its old value here until the
    // watch proves itself: one that fails soon after, having delivered nothing, continues the streak.
    private DateTimeOffset? unproven;
    private DateTimeOffset acceptedAt;

    public ObjectStore<T> Store { get; } = new();

    /// <summary>When set, called for each added, modified or deleted object instead of the plain change callback.</summary>
    public Action<T>? ItemChanged { get; set; }

    public string Name => api.Name;

    public string Kind => api.Kind;

    /// <summary>The first list is in: the store may be used.</summary>
    public bool HasSynced => synced;

    public long Lists => Interlocked.Read(ref lists);

    public long Watches => Interlocked.Read(ref watches);

    /// <summary>Lists after the first: each one a 410 Gone.</summary>
    public long Relists => Interlocked.Read(ref relists);

    public long Undecodable => Interlocked.Read(ref undecodableTotal);

    public IReadOnlyDictionary<string, long> Errors => new Dictionary<string, long>(errors, StringComparer.Ordinal);

    public DateTimeOffset? OutOfSyncSince
    {
        get
        {
            lock (gate)
            {
                return outOfSyncSince;
            }
        }
    }

    public string? LastError
    {
        get
        {
            lock (gate)
            {
                return lastError;
            }
        }
    }

    public async Task RunAsync(CancellationToken cancel)
    {
        lock (gate)
        {
            outOfSyncSince ??= time.GetUtcNow();
            lastError ??= "not listed yet";
        }

        string? version = null;
        var failures = 0;
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    version = await ListAsync(cancel);
                    failures = 0;
                }

                var (last, gone) = await WatchAsync(version, () => failures = 0, cancel);
                version = gone ? null : last;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (ApiStatusException e) when (e.Gone)
            {
                log.LogInformation("{Resource}: resource version {Version} is gone, relisting", api.Name, version);
                version = null;
            }
            catch (Exception e)
            {
                // Whatever it is: a loop that ended here would freeze this resource unseen.
                failures++;
                var delay = Backoff(failures, e);
                Failed(time.GetUtcNow(), e);
                log.LogWarning("{Resource}: {Error}; retrying in {Delay} ms (the rules stay as they are)", api.Name, Describe(e), (int)delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, time, cancel);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancel)
    {
        // The first list may come from the watch cache; after a 410 the cache is what was
        // behind, so read the latest state instead of going back in time.
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        patience.CancelAfter(options.ListTimeout);
        ResourceList<T> list;
        try
        {
            list = await api.List(Interlocked.Read(ref lists) == 0 ? "0" : "", patience.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"the list did not answer within {(int)options.ListTimeout.TotalSeconds} s");
        }

        if (Interlocked.Increment(ref lists) > 1)
        {
            Interlocked.Increment(ref relists);
        }

        var decoded = new List<T>(list.Items.Count);
        var bad = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Items)
        {
            if (item.Object is { } obj)
            {
                decoded.Add(obj);
            }
            else
            {
                bad.Add(Rejected(item));
            }
        }

        foreach (var key in undecodable.Keys.Where(k => !bad.Contains(k)))
        {
            undecodable.TryRemove(key, out _);
        }

        // What could not be decoded is left out: its stale version, if any, vanishes with it.
        var vanished = Store.Replace(decoded, list.Kept);
        synced = true;
        InSync();
        log.LogDebug("{Resource}: listed {Count} at version {Version}, {Vanished} vanished, {Bad} undecodable", api.Name, decoded.Count, list.ResourceVersion, vanished, bad.Count);
        changed();
        return list.ResourceVersion;
    }

    /// <returns>The last version seen, and whether the server said it is gone (410).</returns>
    private async Task<(string Version, bool Gone)> WatchAsync(string version, Action healthy, CancellationToken cancel)
    {
        Interlocked.Increment(ref watches);
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        silence.CancelAfter(options.SilenceTimeout);
        try
        {
            await foreach (var change in api.Watch(version, () =>
            {
                healthy();
                Accepted();
            }, silence.Token))
            {
                silence.CancelAfter(options.SilenceTimeout);
                if (change.Type == WatchEventType.Error)
                {
                    var status = change.Status!;
                    throw new ApiStatusException(status.Code ?? 500, status.Reason, ObjectRef.Escape(status.Message ?? ""));
                }

                Proven();
                version = change.Ref.ResourceVersion is { Length: > 0 } seen ? seen : version;

                if (change.Item is { } item)
                {
                    Apply(change.Type, item);
                }
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            lock (gate)
            {
                outOfSyncSince ??= time.GetUtcNow() - options.SilenceTimeout;
                lastError = $"the watch was silent for {(int)options.SilenceTimeout.TotalSeconds} s";
            }

            log.LogWarning("{Resource}: the watch was silent for {Seconds} s; re-establishing it", api.Name, (int)options.SilenceTimeout.TotalSeconds);
            return (version, false);
        }
        catch (ApiStatusException e) when (e.Gone)
        {
            log.LogInformation("{Resource}: resource version {Version} is gone (410), relisting", api.Name, version);
            return (version, true);
        }

        return (version, false);
    }

    private void Apply(WatchEventType type, Decoded<T> item)
    {
        if (item.Object is { } obj)
        {
            undecodable.TryRemove(ObjectStore<T>.Key(obj), out _);
            if (type == WatchEventType.Deleted)
            {
                Store.Remove(obj);
            }
            else
            {
                Store.Upsert(obj);
            }

            Notify(obj);
            return;
        }

        if (type == WatchEventType.Deleted && item.Ref.HasName)
        {
            // Gone is gone: the name is all it takes to drop it.
            undecodable.TryRemove(item.Ref.Key, out _);
            if (Store.Remove(item.Ref))
            {
                changed();
            }

            return;
        }

        Rejected(item);

        // An object changed into something unreadable: its old version no longer describes it, and
        // keeping it could keep a rule (an externalIP, a port) its owner meant to remove. Dropped.
        if (item.Ref.HasName && Store.Remove(item.Ref))
        {
            changed();
        }
    }

    /// <returns>The object's key.</returns>
    private string Rejected(Decoded<T> item)
    {
        var key = item.Ref.HasName ? item.Ref.Key : "";
        if (!item.Ref.HasName || undecodable.TryAdd(key, 0))
        {
            Interlocked.Increment(ref undecodableTotal);
            log.LogWarning("skipped: {Kind} {Object}: cannot be decoded: {Error} (Undecodable)", api.Kind, item.Ref.Display, ObjectRef.Escape(item.Error ?? ""));
        }

        return key;
    }

    private void Notify(T item)
    {
        if (ItemChanged is { } itemChanged)
        {
            itemChanged(item);
        }
        else
        {
            changed();
        }
    }

    private void InSync()
    {
        lock (gate)
        {
            outOfSyncSince = null;
            unproven = null;
            lastError = null;
        }
    }

    private void Accepted()
    {
        lock (gate)
        {
            unproven = outOfSyncSince;
            acceptedAt = time.GetUtcNow();
            outOfSyncSince = null;
            lastError = null;
        }
    }

    private void Proven()
    {
        lock (gate)
        {
            unproven = null;
        }
    }

    private void Failed(DateTimeOffset now, Exception e)
    {
        errors.AddOrUpdate(ErrorType(e), 1, (_, n) => n + 1);
        lock (gate)
        {
            // A watch that keeps failing right after being accepted is still failing.
            outOfSyncSince ??= unproven is { } since && now - acceptedAt < WatchProvenAfter ? since : now;
            unproven = null;
            lastError = Describe(e);
        }
    }

    private TimeSpan Backoff(int failures, Exception e)
    {
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20)));
        // Jitter: after an API server restart, 5,000 nodes must not come back in step.
        var delay = TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
        return e is ApiStatusException { RetryAfter: { } asked } && asked > delay
            ? asked < options.MaxRetryAfter ? asked : options.MaxRetryAfter
            : delay;
    }

    private static string ErrorType(Exception e) => e is ApiStatusException status ? $"HTTP {status.Code}" : e.GetType().Name;

    private static string Describe(Exception e) => e switch
    {
        ApiStatusException => e.Message,
        HttpRequestException { InnerException: { } inner } => $"{e.Message} ({inner.Message})",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
