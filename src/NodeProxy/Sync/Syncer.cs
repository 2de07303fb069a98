using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using NodeProxy.Conntrack;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;

namespace NodeProxy.Sync;

/// <summary>
/// One sync: model -> rules per family -> diff -> kernel, then the conntrack entries the change
/// made stale. A family that fails keeps its old rules (the restore is atomic) and the others go
/// on; a family that failed is synced in full at its next sync.
/// </summary>
public sealed class Syncer(IReadOnlyList<FamilySyncer> families, IConntrack conntrack, ILogger log)
{
    private readonly Dictionary<IpFamily, NodeModel> appliedModels = [];
    private readonly Dictionary<IpFamily, RenderCache> renderCaches = [];

    // Families whose last sync failed: their next sync is a full one, the others' need not be
    // (kube-proxy runs a proxier per family, each with its own needFullSync).
    private readonly HashSet<IpFamily> retryInFull = [];

    // Set when the canary saw the loss: the full resync that follows repairs it, already counted.
    private bool canaryFired;

    public IReadOnlyList<FamilySyncer> Families => families;

    public SyncCounters Counters { get; } = new();

    /// <summary>After each conntrack reconciliation of a family (kube-proxy's reconciler metrics).</summary>
    public event Action<ConntrackReconciliation>? Reconciled;

    public async Task<SyncReport> SyncAsync(ModelResult model, bool full, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var results = ImmutableArray.CreateBuilder<FamilySyncResult>();
        var deleted = 0;
        foreach (var family in families)
        {
            var nodeModel = model.For(family.Family);
            if (!renderCaches.TryGetValue(family.Family, out var cache))
            {
                renderCaches[family.Family] = cache = new RenderCache();
            }

            var result = await family.SyncAsync(cache.Render(nodeModel), full || retryInFull.Contains(family.Family), cancel);
            results.Add(result);
            if (!result.Succeeded)
            {
                retryInFull.Add(family.Family);
                log.LogError("sync of {Family} failed (restore failure {Count}), the kernel keeps its previous rules and a full resync of that family follows: {Error}{Lines}",
                    FamilyName(family.Family), Counters.RestoreFailures + results.Count(r => !r.Succeeded), result.Error, string.Concat(result.OffendingLines.Select(l => "\n  offending " + l)));
                continue;
            }

            retryInFull.Remove(family.Family);

            // Only now: deleting entries before the new rules are in would let the next packet
            // be DNATed by the old rules again.
            deleted += await DeleteStaleFlowsAsync(appliedModels.GetValueOrDefault(family.Family), nodeModel, cancel);
            appliedModels[family.Family] = nodeModel;
        }

        var report = new SyncReport(results.ToImmutable(), deleted, clock.Elapsed);
        // A family retried in full makes this a full sync, whatever the caller asked.
        var anyFull = report.Families.Any(f => f.Full);
        Counters.Record(report, anyFull);
        if (report.Families.Any(f => f.Succeeded && f.Drifted) && !canaryFired)
        {
            Counters.RecordFullResyncRepair();
            log.LogWarning("the full resync found NodeProxy's rules changed behind its back and repaired them");
        }

        if (report.Succeeded)
        {
            canaryFired = false;
        }

        if (report.Succeeded)
        {
            log.LogInformation("synced{Kind}: {Summary}; {Millis} ms", anyFull ? " (full resync)" : "", Summary(report), (int)report.Duration.TotalMilliseconds);
        }

        return report;
    }

    /// <summary>False when any family's canary chain is gone: the tables were flushed behind NodeProxy's back.</summary>
    public async Task<bool> CanariesPresentAsync(CancellationToken cancel = default)
    {
        foreach (var family in families)
        {
            if (!await family.CanaryPresentAsync(cancel))
            {
                Counters.RecordCanaryRepair();
                canaryFired = true;
                log.LogWarning("the {Family} canary chain is gone: NodeProxy's rules were flushed by someone else; resyncing in full", FamilyName(family.Family));
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The hostPort and endpoint changes since the last sync (<see cref="StaleFlows"/>), and, at
    /// start and whenever a UDP or SCTP service changed, whatever the conntrack table itself shows
    /// stale (<see cref="ConntrackReconciler"/>): a flow made stale while the agent was down has no
    /// previous model to be found by. At most one listing per protocol and one deletion batch,
    /// whatever the number of flows.
    /// </summary>
    private async Task<int> DeleteStaleFlowsAsync(NodeModel? before, NodeModel after, CancellationToken cancel)
    {
        IReadOnlyCollection<StaleFlow> flows = StaleFlows.Compute(before, after);
        var reconcile = before is null || !ConnectionlessPorts(before).SequenceEqual(ConnectionlessPorts(after));
        var clock = Stopwatch.StartNew();
        try
        {
            if (reconcile)
            {
                var entries = new List<ConntrackEntry>();
                foreach (var protocol in ConnectionlessPorts(after).Select(p => p.Protocol).Concat(flows.Select(f => f.Protocol)).Distinct())
                {
                    entries.AddRange(await conntrack.ListAsync(after.Family, protocol, cancel));
                }

                flows = ConntrackReconciler.Cover(after.Family, entries, flows.Concat(ConntrackReconciler.Stale(after, entries)));
            }

            var deleted = await conntrack.DeleteAllAsync(flows, cancel);
            if (deleted > 0)
            {
                log.LogDebug("conntrack: deleted {Count} entries of {Flows}", deleted, string.Join("; ", flows));
            }

            if (reconcile)
            {
                Reconciled?.Invoke(new ConntrackReconciliation(after.Family, clock.Elapsed, deleted));
            }

            return deleted;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Rules are right; a stale flow only lingers until its timeout.
            log.LogWarning("conntrack: could not delete the stale entries of {Count} flows: {Error}", flows.Count, e.Message);
            return 0;
        }
    }

    private static IEnumerable<ServicePort> ConnectionlessPorts(NodeModel model) => model.Services.Where(p => p.Protocol != Protocol.Tcp);

    private static string Summary(SyncReport report)
    {
        var text = new StringBuilder();
        foreach (var result in report.Families)
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            var batch = result.Batch;
            text.Append(FamilyName(result.Family)).Append(' ');
            text.Append(batch.IsEmpty
                ? "no change"
                : $"{batch.Bytes} bytes, {batch.Lines} lines ({batch.ChainsWritten} chains written, {batch.ChainsDeleted} deleted, {batch.RulesEdited} rule edits)");
            if (result.ReadKernel)
            {
                text.Append(", read back from the kernel");
            }
        }

        if (report.ConntrackDeleted > 0)
        {
            text.Append($"; {report.ConntrackDeleted} stale conntrack entries deleted");
        }

        return text.ToString();
    }

    private static string FamilyName(IpFamily family) => family == IpFamily.V4 ? "IPv4" : "IPv6";
}
