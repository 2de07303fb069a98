using NodeProxy.Diff;
using NodeProxy.Net;

namespace NodeProxy.Sync;

/// <summary>What one family's sync did: the batch it wrote (possibly empty) or why it failed.</summary>
public sealed record FamilySyncResult(IpFamily Family, RestoreBatch Batch, bool Full, bool ReadKernel, TimeSpan Duration)
{
    /// <summary>The restore's error; null when the batch is in the kernel (or there was none).</summary>
    public string? Error { get; init; }

    public IReadOnlyList<string> OffendingLines { get; init; } = [];

    /// <summary>
    /// A full resync found the kernel different from what this syncer last applied: someone
    /// changed NodeProxy's rules behind its back, and this batch repaired it.
    /// </summary>
    public bool Drifted { get; init; }

    public bool Succeeded => Error is null;
}
