using Prometheus;

namespace NodeProxy.Http;

/// <summary>What the listeners count, by listener (health, metrics, healthcheck-nodeports).</summary>
internal static class ListenerMetrics
{
    public static readonly Gauge Connections = Prometheus.Metrics.CreateGauge(
        "nodeproxy_listener_connections", "Connections each HTTP listener holds now", ["listener"]);

    public static readonly Counter Evicted = Prometheus.Metrics.CreateCounter(
        "nodeproxy_listener_connections_evicted_total", "Oldest connections closed to make room for a new one at the listener's cap", ["listener"]);

    public static readonly Counter AcceptErrors = Prometheus.Metrics.CreateCounter(
        "nodeproxy_listener_accept_errors_total", "accept() failures: EMFILE and the like, after which the listener waits, and connections lost in the backlog", ["listener", "error"]);
}
