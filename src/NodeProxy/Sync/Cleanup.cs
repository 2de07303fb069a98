using NodeProxy.Diff;
using NodeProxy.RuleSets;

namespace NodeProxy.Sync;

/// <summary>Removes every chain and jump NodeProxy owns from one family's tables, and nothing else.</summary>
public static class Cleanup
{
    /// <returns>The batch that was applied (empty when there was nothing of NodeProxy's).</returns>
    public static async Task<RestoreBatch> RunAsync(IRuleTables tables, CancellationToken cancel = default)
    {
        var current = SaveParser.Parse(await tables.SaveAsync(cancel));
        var batch = Differ.Diff(current, new RuleSet(tables.Family, []));
        if (!batch.IsEmpty)
        {
            await tables.RestoreAsync(RestoreInput.Of(batch), cancel);
        }

        return batch;
    }
}
