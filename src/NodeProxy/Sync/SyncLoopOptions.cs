namespace NodeProxy.Sync;

/// <summary>kube-proxy's timing knobs, with its defaults where it has one.</summary>
public sealed record SyncLoopOptions
{
    /// <summary>Longest time between syncs, and how often the canary is checked.</summary>
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Shortest time between syncs: a burst of changes becomes one sync.</summary>
    public TimeSpan MinSyncPeriod { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often everything is rewritten from what the kernel really holds.</summary>
    public TimeSpan FullSyncPeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A sync that wrote at least this much (a cold load, a large change) is followed by a
    /// compacting collection that returns its transient memory to the system: the runtime keeps
    /// freed memory otherwise, and at 10k services the agent's RSS stayed at the cold load's
    /// peak (~400 MiB) for good, ~100 MiB above what it holds.
    /// </summary>
    public int TrimAfterBytes { get; init; } = 4 << 20;

    /// <summary>How soon a failed sync is first tried again (in full); each further failure doubles it, up to SyncPeriod.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The backoff's jitter source, a number in [0, 1); null: random.</summary>
    public Func<double>? Random { get; init; }
}
