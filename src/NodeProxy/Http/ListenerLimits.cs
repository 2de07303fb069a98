namespace NodeProxy.Http;

/// <summary>
/// What one HTTP listener may cost the agent. The caps keep every listener together well below
/// the open-files limit, so a flood can never take the descriptors that iptables-restore and the
/// API connection need; the timeouts free what idle and half-open sockets hold.
/// </summary>
internal sealed record ListenerLimits
{
    /// <summary>Descriptors kept for everything that is not a listener connection.</summary>
    public const long Reserved = 1024;

    public int HealthConnections { get; init; } = 512;

    public int MetricsConnections { get; init; } = 64;

    /// <summary>For all health check node ports together, however many Services have one.</summary>
    public int HealthCheckConnections { get; init; } = 512;

    /// <summary>A connection that has not sent a whole request head within this is closed.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// An idle connection, before its first request or between two, is closed after this. Probes
    /// send their request at once; a scraper every 15 s or more would reconnect anyway.
    /// </summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(5);

    public int MaxHeaderBytes { get; init; } = 16 * 1024;

    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    public int MaxHeaderCount { get; init; } = 64;

    /// <summary>No endpoint reads a body; a small one is drained and ignored, a larger one refused.</summary>
    public long MaxBodyBytes { get; init; } = 16 * 1024;

    /// <summary>Per connection: Kestrel stops reading a socket whose unparsed input reaches this.</summary>
    public int MaxBufferBytes { get; init; } = 32 * 1024;

    public int TotalConnections => HealthConnections + MetricsConnections + HealthCheckConnections;

    /// <summary>
    /// The defaults, shrunk in proportion when the open-files limit cannot hold them and the
    /// reserve twice over (twice: a connection evicted for a newer one holds its descriptor until
    /// it is closed).
    /// </summary>
    public static ListenerLimits For(long openFiles)
    {
        var defaults = new ListenerLimits();
        var room = Math.Max(0, (openFiles - Reserved) / 2);
        if (room >= defaults.TotalConnections)
        {
            return defaults;
        }

        int Share(int cap) => (int)Math.Max(4, cap * room / defaults.TotalConnections);
        return defaults with
        {
            HealthConnections = Share(defaults.HealthConnections),
            MetricsConnections = Share(defaults.MetricsConnections),
            HealthCheckConnections = Share(defaults.HealthCheckConnections),
        };
    }
}
