using System.Diagnostics;
using NodeProxy.Diff;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;

namespace NodeProxy.Sync;

/// <summary>
/// Keeps one family's kernel rules equal to the wanted rule set. It remembers what it last
/// applied, so a sync costs a diff and only what changed is written; it reads the kernel back
/// (iptables-save) only when it cannot trust that memory: at start-up, which adopts whatever a
/// previous NodeProxy left without flushing it, after a failed restore, and on a full resync.
/// </summary>
public sealed class FamilySyncer(IRuleTables tables)
{
    private KernelTables? applied;

    public IpFamily Family => tables.Family;

    /// <summary>What the kernel holds as far as this syncer knows; null until the first success.</summary>
    public KernelTables? Applied => applied;

    /// <param name="full">
    /// Diff against what the kernel really holds, not against memory: repairs drift and removes
    /// strays. Chains the kernel holds exactly as wanted are left alone: rewriting them changes no
    /// packet's fate, and at 10k services it cost ~30 s on iptables-nft, as every transaction
    /// touching reachable chains makes the kernel re-validate the whole table.
    /// </param>
    public async Task<FamilySyncResult> SyncAsync(RuleSet wanted, bool full, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var readKernel = full || applied is null;
        var current = readKernel ? SaveParser.Parse(await tables.SaveAsync(cancel)) : applied!;
        var batch = Differ.Diff(current, wanted, tables.StagingLimit);

        // Memory and kernel agree exactly when they need the same batch to reach the wanted rules.
        var drifted = full && applied is not null && !batch.IsEmpty && !batch.SameInput(Differ.Diff(applied, wanted, tables.StagingLimit));
        if (!batch.IsEmpty && await RestoreAsync(batch, cancel) is { } failure)
        {
            // The switch-over is one transaction, so packets still see what they saw; chains
            // staged ahead of it may be left behind, and this memory may be what made the
            // batch wrong, so read the kernel next time (which also removes the leftovers).
            applied = null;
            return new FamilySyncResult(Family, batch, full, readKernel, clock.Elapsed)
            {
                Error = failure.Error.Message,
                OffendingLines = RestoreErrors.OffendingLines(failure.Error.Message, failure.Input.Text()),
            };
        }

        applied = batch.After;
        return new FamilySyncResult(Family, batch, full, readKernel, clock.Elapsed) { Drifted = drifted };
    }

    /// <summary>
    /// The batch's steps in order, the parts of a step side by side (a cold load's staged chains
    /// on as many cores as <see cref="IRuleTables.RestoreLanes"/> allows); stops at the first step
    /// with a refused part. Returns that part and its error, or null when every step went in.
    /// </summary>
    private async Task<(RuleTablesException Error, RestoreInput Input)?> RestoreAsync(RestoreBatch batch, CancellationToken cancel)
    {
        foreach (var step in batch.Steps(tables.RestoreLanes))
        {
            var results = await Task.WhenAll(step.Select(async part =>
            {
                var input = RestoreInput.Of(part);
                try
                {
                    await tables.RestoreAsync(input, cancel);
                    return ((RuleTablesException Error, RestoreInput Input)?)null;
                }
                catch (RuleTablesException e)
                {
                    return (e, input);
                }
            }));
            if (results.FirstOrDefault(r => r is not null) is { } failed)
            {
                return failed;
            }
        }

        return null;
    }

    /// <summary>
    /// False when someone flushed or deleted NodeProxy's chains behind its back (an
    /// `iptables -F -X`, a firewall reload): the memory of what is applied is then wrong.
    /// </summary>
    public async Task<bool> CanaryPresentAsync(CancellationToken cancel = default)
    {
        if (applied is null)
        {
            return true;
        }

        foreach (var table in applied.Tables.Keys.Order(StringComparer.Ordinal))
        {
            if (applied.Table(table).Chains.ContainsKey(ChainNames.Canary) && !await tables.ChainExistsAsync(table, ChainNames.Canary, cancel))
            {
                return false;
            }
        }

        return true;
    }
}
