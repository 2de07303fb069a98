using System.Collections.Immutable;

namespace NodeProxy.RuleSets;

/// <summary>
/// A chain NodeProxy owns, with all of its rules in order. The renderer's chains hold their rules
/// as text only (<see cref="Compact"/>): they live as long as the render cache and the applied
/// state, and the differ and the restore want nothing else. Chains read from the kernel for a
/// trace hold the rules their parser made.
/// </summary>
public sealed record Chain
{
    private readonly ImmutableArray<Rule> rules;
    private readonly RuleText? text;

    public Chain(string name, ImmutableArray<Rule> rules) => (Name, this.rules) = (name, rules);

    public Chain(string name, RuleText text) => (Name, this.text) = (name, text);

    /// <summary>
    /// Every chain NodeProxy owns starts with this, which neither kube-proxy (KUBE-) nor the CNI
    /// plugins (CNI-) use, so the differ and cleanup tell its chains from everyone else's by name.
    /// </summary>
    public const string OwnedPrefix = "NP-";

    public string Name { get; }

    /// <summary>The rules as iptables-save prints them (rendered afresh for a chain holding rule objects).</summary>
    public RuleText Text => text ?? RuleText.Of(rules);

    /// <summary>The rules as objects: read back from the text, each time, for a chain that holds only that.</summary>
    public ImmutableArray<Rule> Rules => text is null ? rules : RuleReader.Read(text);

    public int Count => text?.Count ?? rules.Length;

    /// <summary>A chain holding only its rules' text: what the renderer hands on.</summary>
    public static Chain Compact(string name, IEnumerable<Rule> rules) => new(name, RuleText.Of(rules));

    public bool Equals(Chain? other) =>
        other is not null && Name == other.Name && (ReferenceEquals(text, other.text) && text is not null || Text.Equals(other.Text));

    public override int GetHashCode() => HashCode.Combine(Name, Count);
}

/// <summary>
/// A rule NodeProxy adds to a built-in chain (PREROUTING, INPUT, ...). Built-in chains are never
/// declared or flushed: only these jumps are inserted, at the top, once.
/// </summary>
public sealed record BuiltinJump(string BuiltinChain, Rule Rule);
