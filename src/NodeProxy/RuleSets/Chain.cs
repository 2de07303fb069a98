using System.Collections.Immutable;

namespace NodeProxy.RuleSets;

/// <summary>A chain NodeProxy owns, with all of its rules in order.</summary>
public sealed record Chain(string Name, ImmutableArray<Rule> Rules)
{
    /// <summary>
    /// Every chain NodeProxy owns starts with this, which neither kube-proxy (KUBE-) nor the CNI
    /// plugins (CNI-) use, so the differ and cleanup tell its chains from everyone else's by name.
    /// </summary>
    public const string OwnedPrefix = "NP-";

    public bool Equals(Chain? other) =>
        other is not null && Name == other.Name && Rules.SequenceEqual(other.Rules);

    public override int GetHashCode() => HashCode.Combine(Name, Rules.Length);
}

/// <summary>
/// A rule NodeProxy adds to a built-in chain (PREROUTING, INPUT, ...). Built-in chains are never
/// declared or flushed: only these jumps are inserted, at the top, once.
/// </summary>
public sealed record BuiltinJump(string BuiltinChain, Rule Rule);
