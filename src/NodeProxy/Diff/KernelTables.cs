using System.Collections.Immutable;
using NodeProxy.RuleSets;

namespace NodeProxy.Diff;

/// <summary>
/// What NodeProxy owns in the kernel, in one IP family, as rule text in iptables-save form:
/// its own chains with their rules, and its jump rules in the built-in chains. Because the
/// renderer writes that same form, the wanted state and the kernel's compare as bytes.
/// </summary>
public sealed record KernelTables(ImmutableDictionary<string, TableState> Tables)
{
    public static readonly KernelTables Empty = new(ImmutableDictionary<string, TableState>.Empty);

    public TableState Table(string name) => Tables.TryGetValue(name, out var table) ? table : TableState.Empty;

    /// <summary>The state the kernel is in once <paramref name="rules"/> has been applied.</summary>
    public static KernelTables From(RuleSet rules) => new(rules.Tables.ToImmutableDictionary(
        t => t.Name,
        t => new TableState(
            t.Chains.ToImmutableDictionary(c => c.Name, c => c.Text),
            [.. t.Jumps.Select(j => new JumpRule(j.BuiltinChain, j.Rule.RenderSpec()))]).Holding(t)));
}

public sealed record TableState(ImmutableDictionary<string, RuleText> Chains, ImmutableArray<JumpRule> Jumps)
{
    public static readonly TableState Empty = new(ImmutableDictionary<string, RuleText>.Empty, []);

    private (Table Table, ImmutableDictionary<string, RuleText> Chains)? source;

    /// <summary>
    /// The rendered table this state is known to hold, chain for chain (the last one applied), or
    /// null (read back from the kernel, or chains changed since). Each of its <see cref="Chain"/>
    /// instances is in the kernel exactly as it reads, so the next diff passes over the same
    /// instances without comparing a rule: the render cache hands back the same instances for
    /// unchanged services.
    /// </summary>
    public Table? Source => source is { } s && ReferenceEquals(s.Chains, Chains) ? s.Table : null;

    /// <summary>This state, known to hold <paramref name="table"/>; a copy with other chains (a `with`) is not.</summary>
    public TableState Holding(Table table) => this with { source = (table, Chains) };

    public static bool IsOwned(string chain) => chain.StartsWith(Chain.OwnedPrefix, StringComparison.Ordinal);
}

/// <summary>A rule in a built-in chain that jumps to one of NodeProxy's chains.</summary>
public sealed record JumpRule(string BuiltinChain, string Spec);
