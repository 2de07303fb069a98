using System.Collections.Immutable;
using System.Text;
using NodeProxy.Net;

namespace NodeProxy.RuleSets;

/// <summary>
/// One iptables rule. The fixed part (-s, -d, -p) and the extension matches are kept apart
/// because iptables-save always prints the fixed part first, whatever order it was given in.
/// </summary>
public sealed record Rule(Target Target)
{
    // The rendered text, kept because the diff compares every rule on every sync. Each setter
    // drops it, so a `with` copy that changes anything renders afresh.
    private string? spec;

    public Target Target { get; init { field = value; spec = null; } } = Target;
    // Boxed: an IpNet is 48 bytes, and most rules (every endpoint's DNAT) have neither address,
    // so two inline nullable ones made up half of each of the ~140k rules at 10k services.
    private object? source;
    private object? destination;

    public IpNet? Source { get => (IpNet?)source; init { source = value; spec = null; } }
    public bool SourceNegated { get; init { field = value; spec = null; } }
    public IpNet? Destination { get => (IpNet?)destination; init { destination = value; spec = null; } }
    public bool DestinationNegated { get; init { field = value; spec = null; } }
    public Protocol? Protocol { get; init { field = value; spec = null; } }
    public ImmutableArray<Match> Matches { get; init { field = value; spec = null; } } = [];

    public string? Comment => Matches.OfType<CommentMatch>().FirstOrDefault()?.Text;

    /// <summary>The rule's arguments after "-A CHAIN", exactly as iptables-save prints them.</summary>
    public string RenderSpec() => spec ??= Render(new StringBuilder()).ToString();

    /// <summary>Appends <see cref="RenderSpec"/>'s text without keeping it: for a chain that keeps only its text.</summary>
    public void AppendSpec(StringBuilder text)
    {
        if (spec is not null)
        {
            text.Append(spec);
            return;
        }

        Render(text);
    }

    private StringBuilder Render(StringBuilder text)
    {
        if (Source is { } source)
        {
            text.Append(SourceNegated ? "! -s " : "-s ").Append(source).Append(' ');
        }

        if (Destination is { } destination)
        {
            text.Append(DestinationNegated ? "! -d " : "-d ").Append(destination).Append(' ');
        }

        if (Protocol is { } protocol)
        {
            text.Append("-p ").Append(protocol.Name()).Append(' ');
        }

        foreach (var match in Matches)
        {
            text.Append(match.Render()).Append(' ');
        }

        text.Append(Target.Render());
        return text;
    }

    public bool Equals(Rule? other) => other is not null && RenderSpec() == other.RenderSpec();

    public override int GetHashCode() => RenderSpec().GetHashCode(StringComparison.Ordinal);

    public override string ToString() => RenderSpec();
}
