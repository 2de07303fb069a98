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
public sealed class ChangeTracker(TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly List<(DateTimeOffset Arrived, DateTimeOffset Trigger, ChangeKind Kind)> pending = [];
    private long serviceChanges;
    private long endpointChanges;

    /// <summary>Called on every change; the sync loop listens to wake up.</summary>
    public event Action? Dirty;

    public long ServiceChangesTotal => Interlocked.Read(ref serviceChanges);

    public long EndpointChangesTotal => Interlocked.Read(ref endpointChanges);

    public int Pending(ChangeKind kind)
    {
        lock (gate)
        {
            return pending.Count(p => p.Kind == kind);
        }
    }

    public void Changed(DateTimeOffset? trigger, ChangeKind kind = ChangeKind.Other)
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

        lock (gate)
        {
            pending.Add((now, trigger ?? now, kind));
        }

        Dirty?.Invoke();
    }

    /// <summary>The latencies of the changes a sync that began at <paramref name="syncStart"/> included.</summary>
    public IReadOnlyList<TimeSpan> Applied(DateTimeOffset syncStart)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            var done = pending.Where(p => p.Arrived <= syncStart).ToList();
            pending.RemoveAll(p => p.Arrived <= syncStart);
            return [.. done.Select(p => now - p.Trigger)];
        }
    }
}
