namespace NodeProxy.Sources.Kubernetes;

public sealed record InformerOptions
{
    /// <summary>First wait after a failed list or watch; doubles up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A watch that has said nothing, not even a bookmark, for this long is assumed dead (a
    /// half-open TCP connection through a load balancer) and re-established.
    /// </summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A list that has not answered in this long is abandoned and retried.</summary>
    public TimeSpan ListTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
