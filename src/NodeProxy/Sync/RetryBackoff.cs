namespace NodeProxy.Sync;

/// <summary>
/// How long the sync loop waits after consecutive failed syncs: doubling from the retry period
/// up to the sync period, each wait shortened by up to a quarter at random. A node whose restores
/// keep failing then costs a full iptables-save a sync period, not every second, and nodes that
/// failed together (a bad rollout, a kernel upgrade) do not retry in step.
/// </summary>
/// <param name="random">A number in [0, 1); tests pass a fixed one.</param>
public sealed class RetryBackoff(TimeSpan first, TimeSpan ceiling, Func<double>? random = null)
{
    /// <summary>The share of a wait that jitter may take off.</summary>
    public const double Jitter = 0.25;

    private int failures;

    /// <summary>Failures since the last success.</summary>
    public int Failures => failures;

    public TimeSpan Next()
    {
        failures++;
        var doubled = first.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var wait = Math.Min(Math.Max(ceiling.TotalMilliseconds, first.TotalMilliseconds), doubled);
        return TimeSpan.FromMilliseconds(wait * (1 - (Jitter * (random ?? Random.Shared.NextDouble)())));
    }

    public void Reset() => failures = 0;
}
