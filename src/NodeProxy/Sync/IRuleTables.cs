using NodeProxy.Net;

namespace NodeProxy.Sync;

/// <summary>One IP family's iptables, at the edge: read everything, apply one batch, probe one chain.</summary>
public interface IRuleTables
{
    IpFamily Family { get; }

    Task<string> SaveAsync(CancellationToken cancel = default);

    /// <summary>
    /// How many chains the differ may write ahead per transaction before the final switch-over
    /// (see <see cref="Diff.Differ.Diff"/>); null: the whole batch is one transaction.
    /// </summary>
    int? StagingLimit => null;

    /// <summary>
    /// How many restores may load staged chains side by side (see <see cref="Diff.RestoreBatch.Steps"/>);
    /// 1: the batch is one restore.
    /// </summary>
    int RestoreLanes => 1;

    /// <summary>
    /// Applies a --noflush batch; throws a <see cref="RuleTablesException"/> when refused. Each
    /// COMMIT is one transaction: a refused one leaves the kernel as the previous COMMIT left it.
    /// </summary>
    Task RestoreAsync(string batch, CancellationToken cancel = default);

    /// <summary>As <see cref="RestoreAsync(string, CancellationToken)"/>, reading the batch as it is written.</summary>
    Task RestoreAsync(RestoreInput batch, CancellationToken cancel = default) => RestoreAsync(batch.Text(), cancel);

    Task<bool> ChainExistsAsync(string table, string chain, CancellationToken cancel = default);
}
