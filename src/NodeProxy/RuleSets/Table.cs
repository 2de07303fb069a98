using System.Collections.Immutable;

namespace NodeProxy.RuleSets;

public sealed record Table(string Name, ImmutableArray<Chain> Chains, ImmutableArray<BuiltinJump> Jumps)
{
    public Chain? Find(string chain) => Chains.FirstOrDefault(c => c.Name == chain);

    public bool Equals(Table? other) =>
        other is not null && Name == other.Name && Chains.SequenceEqual(other.Chains) && Jumps.SequenceEqual(other.Jumps);

    public override int GetHashCode() => HashCode.Combine(Name, Chains.Length);
}
