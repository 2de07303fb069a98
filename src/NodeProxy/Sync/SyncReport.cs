using System.Collections.Immutable;

namespace NodeProxy.Sync;

/// <summary>One sync of every family: what was written, what failed, what conntrack lost.</summary>
public sealed record SyncReport(ImmutableArray<FamilySyncResult> Families, int ConntrackDeleted, TimeSpan Duration)
{
    public bool Succeeded => Families.All(f => f.Succeeded);

    public int Bytes => Families.Sum(f => f.Batch.Bytes);
}
