namespace NodeProxy.Bench;

/// <summary>One run of the agent at one size.</summary>
/// <param name="RssBytes">VmRSS a few seconds after the first sync, once startup garbage had a chance to go.</param>
/// <param name="PeakRssBytes">VmHWM then: the most the agent ever held, which is what a memory limit must allow.</param>
/// <param name="ToFirstSync">From the agent's first request to the API server (with manifests: from starting the process) to its log saying the first sync is in the kernel.</param>
/// <param name="RestoreAlone">A plain iptables-restore of what that sync wrote, as iptables-save prints it, into a fresh namespace.</param>
/// <param name="Rules">The rules (-A lines) of that restore, both families.</param>
/// <param name="SyncItself">The part of <paramref name="ToFirstSync"/> the agent's log gives the sync itself (render, diff, restores); the rest is lists, decoding and the model.</param>
internal sealed record AgentRunFigures(long RssBytes, long PeakRssBytes, TimeSpan ToFirstSync, TimeSpan RestoreAlone, int Rules, TimeSpan? SyncItself)
{
    /// <summary>The measure: at most 1.3 means the agent adds at most 30% to the kernel's own load time.</summary>
    public double Ratio => ToFirstSync / RestoreAlone;
}

/// <summary>The runs at one size; each figure is the median of its runs (the ratio too, taken run by run).</summary>
internal sealed record AgentMemory(int Services, IReadOnlyList<AgentRunFigures> Runs)
{
    public long RssBytes => Median(Runs.Select(r => r.RssBytes));

    public long PeakRssBytes => Median(Runs.Select(r => r.PeakRssBytes));

    public TimeSpan ToFirstSync => TimeSpan.FromTicks(Median(Runs.Select(r => r.ToFirstSync.Ticks)));

    public TimeSpan RestoreAlone => TimeSpan.FromTicks(Median(Runs.Select(r => r.RestoreAlone.Ticks)));

    public TimeSpan? SyncItself => Runs.All(r => r.SyncItself is not null) ? TimeSpan.FromTicks(Median(Runs.Select(r => r.SyncItself!.Value.Ticks))) : null;

    public double Ratio => Median(Runs.Select(r => r.Ratio));

    private static T Median<T>(IEnumerable<T> values) => Medians.Of(values);
}
