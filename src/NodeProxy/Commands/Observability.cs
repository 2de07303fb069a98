using Microsoft.Extensions.Logging;
using NodeProxy.Apply;
using NodeProxy.Health;
using NodeProxy.Http;
using NodeProxy.Metrics;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;

namespace NodeProxy.Commands;

/// <summary>
/// What an operator sees of a running agent: the metrics endpoint, /healthz and /livez, and the
/// latency log line, all fed from the sync loop's and the sources' events.
/// </summary>
internal sealed class Observability : IDisposable
{
    private readonly ListenerServer listeners;
    private readonly ServiceHealthServer serviceHealth;

    public Observability(ObservabilitySettings settings, SyncLoop loop, Syncer syncer, IReadOnlyList<Apply.IptablesTool> tables, ChangeTracker changes, ModelFeed feed, IReadOnlyList<IInformerStats> informers, PartsHealth parts, ILoggerFactory logs, ILogger log, CancellationToken cancel)
    {
        var recorder = new MetricsRecorder(new ProxyMetrics());
        recorder.Attach(syncer.Counters, changes, informers);
        recorder.Attach(settings.Deadlines);
        recorder.Attach(new PacketCounters(tables), log);
        var families = syncer.Families.Select(f => f.Family).ToList();
        var health = new ProxyHealth(families, 2 * settings.SyncPeriod, TimeProvider.System)
        {
            NodeEligible = () => NodeIsEligible(feed, settings.NodeName),
            Parts = parts,
            Freshness = new SourceFreshness(informers, settings.ApiStaleAfter, TimeProvider.System),
        };
        serviceHealth = new ServiceHealthServer(health, log);
        var latencies = new LatencyRecorder();
        feed.Rejected += recorder.Rejected;
        syncer.Reconciled += recorder.Reconciled;
        changes.Dirty += () =>
        {
            health.Queued();
            recorder.Queued(families);
        };
        loop.Synced += (report, started) =>
        {
            var applied = report.Succeeded ? changes.Applied(started) : [];
            foreach (var result in report.Families.Where(r => r.Succeeded))
            {
                health.Updated(result.Family);
            }

            recorder.Synced(report, feed.LastModel, applied, syncer.Families);
            if (report.Succeeded && feed.LastModel is { } model)
            {
                serviceHealth.Sync(ServiceHealthChecks.From(model), HealthCheckAddresses.From(model, feed.LastHostAddresses));
            }

            if (applied.Count > 0)
            {
                latencies.Record(applied);
                log.LogDebug("network programming latency of {Count} changes: max {Max} ms; so far p50 {P50} ms, p99 {P99} ms",
                    applied.Count, (int)applied.Max().TotalMilliseconds, (int)latencies.Percentile(50).TotalMilliseconds, (int)latencies.Percentile(99).TotalMilliseconds);
            }
        };

        var limits = ListenerLimits.For(settings.OpenFiles);
        listeners = new ListenerServer(limits, logs, TimeProvider.System);
        var healthListener = listeners.Add("health", limits.HealthConnections, new HealthServer(health).AnswerAsync);
        var metricsListener = listeners.Add("metrics", limits.MetricsConnections, MetricsEndpoint.AnswerAsync);
        serviceHealth.Attach(listeners.Add("healthcheck-nodeports", limits.HealthCheckConnections, serviceHealth.AnswerAsync));
        listeners.Start();
        try
        {
            metricsListener.Bind(BindAddress.Parse(settings.MetricsAddress));
            parts.Watch("the health server", healthListener.Bind(BindAddress.Parse(settings.HealthAddress)), cancel);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // Forwarding matters more than being watched: the agent runs on, and says so.
            log.LogError("cannot serve metrics or health ({Error}); syncing goes on without them", e.Message);
            return;
        }

        log.LogInformation("metrics on http://{Metrics}/metrics, health on http://{Health}/healthz (connections at most: health {HealthCap}, metrics {MetricsCap}, health check node ports {ChecksCap}; open files {Limit})",
            settings.MetricsAddress, settings.HealthAddress, limits.HealthConnections, limits.MetricsConnections, limits.HealthCheckConnections, settings.OpenFiles);
    }

    public void Dispose() => listeners.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>kube-proxy's rule: the Node exists, is not being deleted, and the autoscaler is not removing it.</summary>
    private static bool NodeIsEligible(ModelFeed feed, string nodeName)
    {
        if (feed.LastSnapshot?.FindNode(nodeName) is not { } node)
        {
            return feed.LastSnapshot is null;
        }

        return node.Metadata?.DeletionTimestamp is null
            && node.Spec?.Taints?.Any(t => t.Key == "ToBeDeletedByClusterAutoscaler") != true;
    }
}

/// <param name="ApiStaleAfter">How long a watched resource may be out of step with the API server before /healthz fails.</param>
internal sealed record ObservabilitySettings(string NodeName, string MetricsAddress, string HealthAddress, TimeSpan SyncPeriod, TimeSpan ApiStaleAfter, long OpenFiles)
{
    public CommandDeadlines Deadlines { get; init; } = CommandDeadlines.Default;
}
