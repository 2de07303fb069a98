using System.Collections.Immutable;
using NodeProxy.Net;

namespace NodeProxy.RuleSets;

/// <summary>Everything NodeProxy wants in one IP family's tables: the renderer's output.</summary>
public sealed record RuleSet(IpFamily Family, ImmutableArray<Table> Tables)
{
    public Table? Find(string table) => Tables.FirstOrDefault(t => t.Name == table);

    public Chain? Find(string table, string chain) => Find(table)?.Find(chain);

    public bool Equals(RuleSet? other) =>
        other is not null && Family == other.Family && Tables.SequenceEqual(other.Tables);

    public override int GetHashCode() => HashCode.Combine(Family, Tables.Length);
}
