using Prometheus;

namespace NodeProxy.Metrics;

/// <summary>
/// kube-proxy's metrics under their own names, types, labels and buckets, so existing
/// dashboards and alerts work unchanged; NodeProxy's own under the nodeproxy_ prefix. They live
/// in prometheus-net's default registry, next to its process and .NET runtime metrics.
/// </summary>
public sealed class ProxyMetrics
{
    private static readonly double[] SyncBuckets = Histogram.ExponentialBuckets(0.001, 2, 15);

    // kube-proxy's merge() of 0.25, 0.5, 1..59, 60..115 step 5, 120..300 step 30, with 0 first.
    private static readonly double[] ProgrammingBuckets =
        [0, 0.25, 0.5, .. Enumerable.Range(1, 59).Select(i => (double)i), .. Enumerable.Range(0, 12).Select(i => 60.0 + (5 * i)), .. Enumerable.Range(0, 7).Select(i => 120.0 + (30 * i))];

    private readonly IMetricFactory factory = Prometheus.Metrics.DefaultFactory;

    public ProxyMetrics()
    {
        SyncDuration = SyncHistogram("kubeproxy_sync_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds");
        FullSyncDuration = SyncHistogram("kubeproxy_sync_full_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds for full resyncs");
        PartialSyncDuration = SyncHistogram("kubeproxy_sync_partial_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds for partial resyncs");
        LastSync = factory.CreateGauge("kubeproxy_sync_proxy_rules_last_timestamp_seconds", "The last time proxy rules were successfully synced", ["ip_family"]);
        LastQueued = factory.CreateGauge("kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds", "The last time a sync of proxy rules was queued", ["ip_family"]);
        NetworkProgramming = factory.CreateHistogram("kubeproxy_network_programming_duration_seconds", "In Cluster Network Programming Latency in seconds",
            new HistogramConfiguration { LabelNames = ["ip_family"], Buckets = ProgrammingBuckets });
        EndpointChangesPending = factory.CreateGauge("kubeproxy_sync_proxy_rules_endpoint_changes_pending", "Pending proxy rules Endpoint changes");
        EndpointChangesTotal = factory.CreateCounter("kubeproxy_sync_proxy_rules_endpoint_changes_total", "Cumulative proxy rules Endpoint changes");
        ServiceChangesPending = factory.CreateGauge("kubeproxy_sync_proxy_rules_service_changes_pending", "Pending proxy rules Service changes");
        ServiceChangesTotal = factory.CreateCounter("kubeproxy_sync_proxy_rules_service_changes_total", "Cumulative proxy rules Service changes");
        RestoreFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_iptables_restore_failures_total", "Cumulative proxy iptables restore failures", ["ip_family"]);
        PartialRestoreFailures = factory.CreateCounter("kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total", "Cumulative proxy iptables partial restore failures", ["ip_family"]);
        RulesTotal = factory.CreateGauge("kubeproxy_sync_proxy_rules_iptables_total", "Total number of iptables rules owned by kube-proxy", ["table", "ip_family"]);
        RulesLast = factory.CreateGauge("kubeproxy_sync_proxy_rules_iptables_last", "Number of iptables rules written by kube-proxy in last sync", ["table", "ip_family"]);
        ConntrackReconcileDuration = SyncHistogram("kubeproxy_conntrack_reconciler_sync_duration_seconds", "ReconcileConntrackFlowsLatency latency in seconds");
        ConntrackReconcileDeleted = factory.CreateCounter("kubeproxy_conntrack_reconciler_deleted_entries_total", "Cumulative conntrack flows deleted by conntrack reconciler", ["ip_family"]);
        CtStateInvalidDropped = factory.CreateCounter("kubeproxy_iptables_ct_state_invalid_dropped_packets_total", "packets dropped by iptables to work around conntrack problems");
        LocalhostNodePortsAccepted = factory.CreateCounter("kubeproxy_iptables_localhost_nodeports_accepted_packets_total", "Number of packets accepted on nodeports of loopback interface");
        NoLocalEndpoints = factory.CreateGauge("kubeproxy_sync_proxy_rules_no_local_endpoints_total", "Number of services with a Local traffic policy and no endpoints", ["traffic_policy", "ip_family"]);

        BytesWritten = factory.CreateCounter("nodeproxy_sync_bytes_written_total", "Bytes of iptables-restore input written", ["ip_family"]);
        LinesWritten = factory.CreateCounter("nodeproxy_sync_lines_written_total", "Lines of iptables-restore input written", ["ip_family"]);
        LastBytes = factory.CreateGauge("nodeproxy_sync_last_bytes", "Bytes of iptables-restore input the last sync wrote", ["ip_family"]);
        ChainsWritten = factory.CreateCounter("nodeproxy_sync_chains_written_total", "Chains written whole", ["ip_family"]);
        ChainsDeleted = factory.CreateCounter("nodeproxy_sync_chains_deleted_total", "Stale chains deleted", ["ip_family"]);
        DriftRepairs = factory.CreateCounter("nodeproxy_drift_repairs_total", "Times NodeProxy's rules were found changed by someone else and repaired by a full resync, by what found it (canary, full_resync)", ["trigger"]);
        Rejected = factory.CreateCounter("nodeproxy_objects_rejected_total", "Objects (or parts of them) skipped as invalid", ["kind", "reason"]);
        WatchRequests = factory.CreateCounter("nodeproxy_watch_requests_total", "Watch requests made, per resource (each after the first is a restart)", ["resource"]);
        Relists = factory.CreateCounter("nodeproxy_watch_relists_total", "Relists after a 410 Gone, per resource", ["resource"]);
        WatchErrors = factory.CreateCounter("nodeproxy_watch_errors_total", "Failed lists and watches, per resource and error type (each retried with backoff)", ["resource", "type"]);
        ConntrackDeleted = factory.CreateCounter("nodeproxy_conntrack_entries_deleted_total", "Stale UDP/SCTP conntrack entries deleted");
        CommandTimeouts = factory.CreateCounter("nodeproxy_command_timeouts_total", "iptables and conntrack commands killed at their deadline (--command-timeout), by program", ["command"]);
    }

    public Histogram SyncDuration { get; }
    public Histogram FullSyncDuration { get; }
    public Histogram PartialSyncDuration { get; }
    public Gauge LastSync { get; }
    public Gauge LastQueued { get; }
    public Histogram NetworkProgramming { get; }
    public Gauge EndpointChangesPending { get; }
    public Counter EndpointChangesTotal { get; }
    public Gauge ServiceChangesPending { get; }
    public Counter ServiceChangesTotal { get; }
    public Counter RestoreFailures { get; }
    public Counter PartialRestoreFailures { get; }
    public Gauge RulesTotal { get; }
    public Gauge RulesLast { get; }
    public Gauge NoLocalEndpoints { get; }
    public Counter CtStateInvalidDropped { get; }
    public Counter LocalhostNodePortsAccepted { get; }
    public Histogram ConntrackReconcileDuration { get; }
    public Counter ConntrackReconcileDeleted { get; }
    public Counter BytesWritten { get; }
    public Counter LinesWritten { get; }
    public Gauge LastBytes { get; }
    public Counter ChainsWritten { get; }
    public Counter ChainsDeleted { get; }
    public Counter DriftRepairs { get; }
    public Counter Rejected { get; }
    public Counter WatchRequests { get; }
    public Counter Relists { get; }
    public Counter WatchErrors { get; }
    public Counter ConntrackDeleted { get; }
    public Counter CommandTimeouts { get; }

    private Histogram SyncHistogram(string name, string help) =>
        factory.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = ["ip_family"], Buckets = SyncBuckets });
}
