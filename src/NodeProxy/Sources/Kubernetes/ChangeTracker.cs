namespace NodeProxy.Sources.Kubernetes;

public enum ChangeKind
{
    Service,
    Endpoints,
    Other,
}

/// <summary>
/// Remembers when each pending change happened, so that once a sync has put it in the kernel the
/// network programming latency can be measured as kube-proxy does: from the EndpointSlice's
/// last-change-trigger-time when it has one, else from the event's arrival.
/// </summary>
/// <remarks>
/// Pending changes are kept per object, not per event: while syncs fail, an object that changes
/// 10,000 times is still one entry (timed from its oldest change not yet applied), so what is
/// held is bounded by the cluster's size. Changes without an object (a relist, a manifest
/// folder) share one entry per kind. The pending counts are kept as changes come and go, so a
/// metrics scrape reads two numbers instead of walking the entries under the lock.
/// </remarks>
public sealed class ChangeTracker(TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(ChangeKind Kind, string Key), Entry> pending = [];
    private readonly int[] pendingByKind = new int[Enum.GetValues<ChangeKind>().Length];
    private long serviceChanges;
    private long endpointChanges;

    /// <summary>Called on every change; the sync loop listens to wake up.</summary>
    public event Action? Dirty;

    public long ServiceChangesTotal => Interlocked.Read(ref serviceChanges);

    public long EndpointChangesTotal => Interlocked.Read(ref endpointChanges);

    /// <summary>Objects of that kind with a change no sync has applied yet.</summary>
    public int Pending(ChangeKind kind) => Volatile.Read(ref pendingByKind[(int)kind]);

    /// <summary>A change of no object in particular: one pending entry per kind.</summary>
    public void Changed(DateTimeOffset? trigger, ChangeKind kind = ChangeKind.Other) => Changed("", trigger, kind);

    /// <param name="key">The object that changed (namespace/name): its changes are held as one.</param>
    public void Changed(string key, DateTimeOffset? trigger, ChangeKind kind)
    {
        var now = time.GetUtcNow();
        if (kind == ChangeKind.Service)
        {
            Interlocked.Increment(ref serviceChanges);
        }
        else if (kind == ChangeKind.Endpoints)
        {
            Interlocked.Increment(ref endpointChanges);
        }

        var change = new Change(now, trigger ?? now);
        lock (gate)
        {
            if (pending.TryGetValue((kind, key), out var entry))
            {
                pending[(kind, key)] = entry with { Latest = change };
            }
            else
            {
                pending[(kind, key)] = new Entry(change, change);
                Interlocked.Increment(ref pendingByKind[(int)kind]);
            }
        }

        Dirty?.Invoke();
    }

    /// <summary>The latencies of the changes a sync that began at <paramref name="syncStart"/> included.</summary>
    public IReadOnlyList<TimeSpan> Applied(DateTimeOffset syncStart)
    {
        var now = time.GetUtcNow();
        var latencies = new List<TimeSpan>();
        lock (gate)
        {
            foreach (var (id, entry) in pending.Where(p => p.Value.Oldest.Arrived <= syncStart).ToList())
            {
                latencies.Add(now - entry.Oldest.Trigger);
                if (entry.Latest.Arrived <= syncStart)
                {
                    pending.Remove(id);
                    Interlocked.Decrement(ref pendingByKind[(int)id.Kind]);
                }
                else
                {
                    // Changed again after the sync read it: that later change is still to come.
                    pending[id] = new Entry(entry.Latest, entry.Latest);
                }
            }
        }

        return latencies;
    }

    private readonly record struct Change(DateTimeOffset Arrived, DateTimeOffset Trigger);

    private readonly record struct Entry(Change Oldest, Change Latest);
}
