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

    /// <summary>How soon a failed sync is tried again (in full).</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(1);
}
