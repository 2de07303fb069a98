using System.Net;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// Terse construction of rules. Every rule starts from its comment, because every rule an operator
/// lists must say which service (or which piece of NodeProxy) it belongs to.
/// </summary>
internal static class RuleBuilder
{
    public static Rule Commented(string comment, Target target) =>
        new(target) { Matches = [new CommentMatch(comment)] };

    /// <summary>With a comment, unless it is null: endpoint rules in large clusters (see <see cref="Renderer"/>).</summary>
    public static Rule MaybeCommented(string? comment, Target target) =>
        comment is null ? new Rule(target) : Commented(comment, target);

    public static Rule From(this Rule rule, IpNet source, bool negated = false) =>
        rule with { Source = source, SourceNegated = negated };

    public static Rule From(this Rule rule, IPAddress source) => rule.From(IpNet.Host(source));

    public static Rule To(this Rule rule, IpNet destination, bool negated = false) =>
        rule with { Destination = destination, DestinationNegated = negated };

    public static Rule To(this Rule rule, IPAddress destination, bool negated = false) =>
        rule.To(IpNet.Host(destination), negated);

    public static Rule Proto(this Rule rule, Protocol protocol) => rule with { Protocol = protocol };

    /// <summary>"-p tcp ... -m tcp --dport N".</summary>
    public static Rule Port(this Rule rule, Protocol protocol, int port) =>
        rule.Proto(protocol).And(new DestinationPortMatch(protocol, port));

    public static Rule And(this Rule rule, Match match) => rule with { Matches = rule.Matches.Add(match) };
}
