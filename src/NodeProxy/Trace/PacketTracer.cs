using System.Collections.Immutable;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Trace;

/// <summary>
/// Follows the first packet of a new connection through a rendered rule set, in the order
/// netfilter runs the hooks, and says where it can end up and how likely each way is.
/// </summary>
/// <remarks>
/// The walk is netfilter's, reduced to the tables NodeProxy writes. A packet from a local
/// address (the context's or loopback) was generated on the node: nat OUTPUT, filter OUTPUT,
/// nat POSTROUTING, then filter INPUT if it is (now) addressed to the node. Any other packet:
/// nat PREROUTING, then filter INPUT if addressed to the node, else filter FORWARD and nat
/// POSTROUTING. The routing decision uses the destination after DNAT. Built-in chains hold only
/// NodeProxy's jumps and accept otherwise. The mark starts at 0 and carries across hooks.
/// </remarks>
public static class PacketTracer
{
    private static readonly ImmutableArray<Hook> FromNodeToNode = [Hook.FilterOutput, Hook.NatPostrouting, Hook.FilterInput];
    private static readonly ImmutableArray<Hook> FromNodeOutward = [Hook.FilterOutput, Hook.NatPostrouting];
    private static readonly ImmutableArray<Hook> InboundToNode = [Hook.FilterInput];
    private static readonly ImmutableArray<Hook> Forwarded = [Hook.FilterForward, Hook.NatPostrouting];

    /// <param name="affinityRecorded">
    /// Models a client already recorded for ClientIP session affinity: every affinity check ("--update") then
    /// matches, so the first one reached wins. When false, none does, as for a first contact.
    /// </param>
    /// <exception cref="ArgumentException">The packet's addresses are not of the rule set's family.</exception>
    /// <exception cref="NotSupportedException">A rule uses a match or target the tracer does not model.</exception>
    public static TraceResult Trace(RuleSet rules, TraceContext context, Packet packet, bool affinityRecorded = false)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(packet);
        Validate(rules, packet);

        var walker = new HookWalker(rules, new RuleMatcher(packet, context, affinityRecorded));
        var fromNode = context.IsLocal(packet.Source);
        var outcomes = ImmutableArray.CreateBuilder<TraceOutcome>();
        foreach (var exit in walker.Walk("nat", fromNode ? "OUTPUT" : "PREROUTING", Flow.Start(packet)))
        {
            if (exit.Final is { } final)
            {
                outcomes.Add(exit.Flow.ToOutcome(final));
                continue;
            }

            var toNode = context.IsLocal(exit.Flow.Destination);
            var route = (fromNode, toNode) switch
            {
                (true, true) => FromNodeToNode,
                (true, false) => FromNodeOutward,
                (false, true) => InboundToNode,
                (false, false) => Forwarded,
            };
            Follow(walker, exit.Flow, route, 0, outcomes);
        }

        return new TraceResult(outcomes.ToImmutable()) { Packet = packet, FromNode = fromNode };
    }

    // At most three hooks deep, so plain recursion is fine here.
    private static void Follow(
        HookWalker walker, Flow flow, ImmutableArray<Hook> route, int next, ImmutableArray<TraceOutcome>.Builder outcomes)
    {
        if (next == route.Length)
        {
            outcomes.Add(flow.ToOutcome(null));
            return;
        }

        foreach (var exit in walker.Walk(route[next].Table, route[next].Chain, flow))
        {
            if (exit.Final is { } final)
            {
                outcomes.Add(exit.Flow.ToOutcome(final));
            }
            else
            {
                Follow(walker, exit.Flow, route, next + 1, outcomes);
            }
        }
    }

    private static void Validate(RuleSet rules, Packet packet)
    {
        if (packet.Source.Family() != rules.Family || packet.Destination.Family() != rules.Family)
        {
            throw new ArgumentException($"packet {packet} is not IPv{(int)rules.Family}, as the rule set is", nameof(packet));
        }

        if (packet.DestinationPort is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(packet), $"port {packet.DestinationPort} is out of range");
        }
    }

    private sealed record Hook(string Table, string Chain)
    {
        public static readonly Hook FilterInput = new("filter", "INPUT");
        public static readonly Hook FilterOutput = new("filter", "OUTPUT");
        public static readonly Hook FilterForward = new("filter", "FORWARD");
        public static readonly Hook NatPostrouting = new("nat", "POSTROUTING");
    }
}
