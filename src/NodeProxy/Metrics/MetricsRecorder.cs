using NodeProxy.Apply;
using NodeProxy.Cluster;
using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;
using Prometheus;

namespace NodeProxy.Metrics;

/// <summary>Turns what the sync stages report into the metrics; counters kept elsewhere are read at scrape time.</summary>
public sealed class MetricsRecorder(ProxyMetrics metrics)
{
    public void Queued(IEnumerable<IpFamily> families)
    {
        foreach (var family in families)
        {
            metrics.LastQueued.WithLabels(Label(family)).SetToCurrentTimeUtc();
        }
    }

    public void Synced(SyncReport report, ModelResult? model, IReadOnlyList<TimeSpan> latencies, IReadOnlyList<FamilySyncer> families)
    {
        foreach (var result in report.Families)
        {
            var family = Label(result.Family);
            metrics.SyncDuration.WithLabels(family).Observe(result.Duration.TotalSeconds);
            (result.Full ? metrics.FullSyncDuration : metrics.PartialSyncDuration).WithLabels(family).Observe(result.Duration.TotalSeconds);
            if (!result.Succeeded)
            {
                metrics.RestoreFailures.WithLabels(family).Inc();
                if (!result.Full)
                {
                    metrics.PartialRestoreFailures.WithLabels(family).Inc();
                }

                continue;
            }

            metrics.LastSync.WithLabels(family).SetToCurrentTimeUtc();
            metrics.BytesWritten.WithLabels(family).Inc(result.Batch.Bytes);
            metrics.LinesWritten.WithLabels(family).Inc(result.Batch.Lines);
            metrics.LastBytes.WithLabels(family).Set(result.Batch.Bytes);
            metrics.ChainsWritten.WithLabels(family).Inc(result.Batch.ChainsWritten);
            metrics.ChainsDeleted.WithLabels(family).Inc(result.Batch.ChainsDeleted);
            foreach (var (table, count) in RulesWritten(result.Batch))
            {
                metrics.RulesLast.WithLabels(table, family).Set(count);
            }

            if (families.FirstOrDefault(f => f.Family == result.Family)?.Applied is { } applied)
            {
                foreach (var (table, state) in applied.Tables)
                {
                    metrics.RulesTotal.WithLabels(table, family).Set(state.Chains.Values.Sum(r => r.Count) + state.Jumps.Length);
                }
            }

            if (model is not null)
            {
                var ports = model.For(result.Family).Services;
                metrics.NoLocalEndpoints.WithLabels("internal", family).Set(ports.Count(p => p.InternalPolicyLocal && p.HasEndpoints && p.LocalEndpoints.IsEmpty));
                metrics.NoLocalEndpoints.WithLabels("external", family).Set(ports.Count(p => p.ExternalPolicyLocal && p.ExternallyAccessible && p.HasEndpoints && p.LocalEndpoints.IsEmpty));
            }
        }

        // Changes are not per family; they are counted once, under the first family synced.
        if (report.Families.FirstOrDefault(f => f.Succeeded) is { } first)
        {
            foreach (var latency in latencies)
            {
                metrics.NetworkProgramming.WithLabels(Label(first.Family)).Observe(latency.TotalSeconds);
            }
        }
    }

    public void Reconciled(ConntrackReconciliation pass)
    {
        metrics.ConntrackReconcileDuration.WithLabels(Label(pass.Family)).Observe(pass.Duration.TotalSeconds);
        metrics.ConntrackReconcileDeleted.WithLabels(Label(pass.Family)).Inc(pass.Deleted);
    }

    public void Rejected(Problem problem) => metrics.Rejected.WithLabels(problem.Kind, problem.Reason).Inc();

    /// <summary>Totals that other stages keep are copied in just before each scrape.</summary>
    public void Attach(SyncCounters counters, ChangeTracker changes, IReadOnlyList<IInformerStats> informers) =>
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            metrics.DriftRepairs.WithLabels("canary").IncTo(counters.CanaryRepairs);
            metrics.DriftRepairs.WithLabels("full_resync").IncTo(counters.FullResyncRepairs);
            metrics.ConntrackDeleted.IncTo(counters.ConntrackDeleted);
            metrics.EndpointChangesTotal.IncTo(changes.EndpointChangesTotal);
            metrics.ServiceChangesTotal.IncTo(changes.ServiceChangesTotal);
            metrics.EndpointChangesPending.Set(changes.Pending(ChangeKind.Endpoints));
            metrics.ServiceChangesPending.Set(changes.Pending(ChangeKind.Service));
            foreach (var informer in informers)
            {
                metrics.WatchRequests.WithLabels(informer.Name).IncTo(informer.Watches);
                metrics.Relists.WithLabels(informer.Name).IncTo(informer.Relists);
                metrics.Rejected.WithLabels(informer.Kind, "Undecodable").IncTo(informer.Undecodable);
                foreach (var (type, count) in informer.Errors)
                {
                    metrics.WatchErrors.WithLabels(informer.Name, type).IncTo(count);
                }
            }
        });

    /// <summary>External commands killed at their deadline, by program, copied in before each scrape.</summary>
    public void Attach(CommandDeadlines deadlines) =>
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            foreach (var (command, count) in deadlines.Timeouts)
            {
                metrics.CommandTimeouts.WithLabels(command).IncTo(count);
            }
        });

    /// <summary>The kernel's packet counters standing in for kube-proxy's nfacct ones, read just before each scrape.</summary>
    public void Attach(PacketCounters counters, Microsoft.Extensions.Logging.ILogger log) =>
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(async cancel =>
        {
            try
            {
                var (invalid, localhost) = await counters.ReadAsync(cancel);
                metrics.CtStateInvalidDropped.IncTo(invalid);
                metrics.LocalhostNodePortsAccepted.IncTo(localhost);
            }
            catch (Exception e) when (e is IptablesException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                // A scrape before the first sync finds no chain yet; the next one will.
                Microsoft.Extensions.Logging.LoggerExtensions.LogDebug(log, "packet counters not read: {Error}", e.Message);
            }
        });

    /// <summary>Rule lines (-A, -I) the batch wrote, per table; deletions are not rules written.</summary>
    private static Dictionary<string, int> RulesWritten(RestoreBatch batch)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["filter"] = 0, ["nat"] = 0 };
        foreach (var (table, count) in batch.RulesWritten)
        {
            counts[table] = count;
        }

        return counts;
    }

    private static string Label(IpFamily family) => family == IpFamily.V4 ? "IPv4" : "IPv6";
}
