namespace NodeProxy.Sources.Kubernetes;

public sealed record InformerOptions
{
    /// <summary>First wait after a failed list or watch; doubles up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest wait between two attempts, however long the API server has been away: it bounds
    /// how long after the server's return the agent notices (waits are 50-100% of it, jittered).
    /// </summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>The longest a server's Retry-After (429 from priority and fairness, 503) is honoured.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A watch that has said nothing, not even a bookmark, for this long is assumed dead (a
    /// half-open TCP connection through a load balancer) and re-established.
    /// </summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A list that has not answered in this long is abandoned and retried.</summary>
    public TimeSpan ListTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
