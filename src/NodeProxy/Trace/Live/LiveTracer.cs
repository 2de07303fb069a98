using System.Collections.Immutable;
using NodeProxy.Net;

namespace NodeProxy.Trace.Live;

/// <summary>
/// Follows the first packet of a connection through every table a live node holds, in
/// netfilter's hook order, with the kernel's routing decisions (asked through <c>route</c>, again
/// after DNAT). A packet sent by the node: route, raw/mangle/nat/filter OUTPUT (re-routed when
/// nat OUTPUT changed its destination), mangle/nat POSTROUTING, and when it is for the node
/// itself, back in through lo: raw/mangle PREROUTING, mangle/filter INPUT (nat is consulted once
/// per direction, so not again). A packet arriving on an interface: raw/mangle/nat PREROUTING,
/// route, then mangle/filter/nat INPUT, or mangle/filter FORWARD and mangle/nat POSTROUTING.
/// </summary>
public sealed class LiveTracer
{
    private static readonly (string Table, string Chain)[] LocalOut = [("raw", "OUTPUT"), ("mangle", "OUTPUT"), ("nat", "OUTPUT")];
    private static readonly (string Table, string Chain)[] LocalOutAfterNat = [("filter", "OUTPUT"), ("mangle", "POSTROUTING"), ("nat", "POSTROUTING")];
    private static readonly (string Table, string Chain)[] LoopedBack = [("raw", "PREROUTING"), ("mangle", "PREROUTING"), ("mangle", "INPUT"), ("filter", "INPUT")];
    private static readonly (string Table, string Chain)[] Arriving = [("raw", "PREROUTING"), ("mangle", "PREROUTING"), ("nat", "PREROUTING")];
    private static readonly (string Table, string Chain)[] Input = [("mangle", "INPUT"), ("filter", "INPUT"), ("nat", "INPUT")];
    private static readonly (string Table, string Chain)[] Forward = [("mangle", "FORWARD"), ("filter", "FORWARD"), ("mangle", "POSTROUTING"), ("nat", "POSTROUTING")];

    private readonly HookWalker walker;
    private readonly Func<RouteQuery, Route> route;
    private readonly Packet packet;
    private readonly ImmutableArray<TraceOutcome>.Builder outcomes = ImmutableArray.CreateBuilder<TraceOutcome>();

    private LiveTracer(LiveTables tables, TraceContext context, Packet packet, Func<RouteQuery, Route> route)
    {
        walker = new HookWalker(tables.Rules, new RuleMatcher(packet, context, false), tables);
        this.route = route;
        this.packet = packet;
    }

    /// <param name="inInterface">The interface the packet arrives on; null for a packet the node sends.</param>
    /// <param name="route">The kernel's routing decision ("ip route get"); called again after DNAT.</param>
    public static TraceResult Trace(LiveTables tables, TraceContext context, Packet packet, string? inInterface, Func<RouteQuery, Route> route)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (packet.Source.Family() != tables.Rules.Family || packet.Destination.Family() != tables.Rules.Family)
        {
            throw new ArgumentException($"packet {packet} is not IPv{(int)tables.Rules.Family}, as the tables are", nameof(packet));
        }

        var tracer = new LiveTracer(tables, context, packet, route);
        var start = Flow.Start(packet) with { InInterface = inInterface };
        if (inInterface is null)
        {
            tracer.FromNode(start);
        }
        else
        {
            tracer.FromOutside(start);
        }

        return new TraceResult(tracer.outcomes.ToImmutable()) { Packet = packet, FromNode = inInterface is null, InInterface = inInterface };
    }

    private void FromNode(Flow flow)
    {
        if (Routed(flow, null) is not var (first, kind))
        {
            return;
        }

        Walk(first, LocalOut, 0, afterNat =>
        {
            var (routed, final) = (afterNat, kind);
            if (afterNat.Dnatted)
            {
                if (Routed(afterNat, null) is not var (rerouted, again))
                {
                    return;
                }

                (routed, final) = (rerouted, again);
            }

            Walk(routed, LocalOutAfterNat, 0, sent =>
            {
                if (final == RouteKind.Local)
                {
                    Walk(sent with { InInterface = "lo", OutInterface = null }, LoopedBack, 0, Deliver);
                }
                else
                {
                    Deliver(sent);
                }
            });
        });
    }

    private void FromOutside(Flow flow) => Walk(flow, Arriving, 0, afterNat =>
    {
        if (Routed(afterNat, afterNat.InInterface) is not var (routed, kind))
        {
            return;
        }

        Walk(routed, kind == RouteKind.Local ? Input : Forward, 0, Deliver);
    });

    /// <summary>Asks the kernel, records the answer as a step; null (and a drop) when there is no route.</summary>
    private (Flow Flow, RouteKind Kind)? Routed(Flow flow, string? inInterface)
    {
        var answer = route(new RouteQuery(flow.Destination, packet.Source, inInterface));
        var step = new TraceStep("routing", "decision", 0, answer.Text, null, answer.Kind switch
        {
            RouteKind.Local => $"to this node ({IpText.Format(flow.Destination)} is local)",
            RouteKind.Out => $"to {IpText.Format(flow.Destination)} out of {answer.Device}",
            _ => $"no route to {IpText.Format(flow.Destination)}",
        });
        var routed = flow.Record(step) with { OutInterface = answer.Kind == RouteKind.Out ? answer.Device : null };
        if (answer.Kind == RouteKind.Unreachable)
        {
            outcomes.Add(routed.ToOutcome(Verdict.Drop));
            return null;
        }

        return (routed, answer.Kind);
    }

    private void Walk(Flow flow, (string Table, string Chain)[] hooks, int next, Action<Flow> then)
    {
        if (next == hooks.Length)
        {
            then(flow);
            return;
        }

        foreach (var exit in walker.Walk(hooks[next].Table, hooks[next].Chain, flow))
        {
            if (exit.Final is { } final)
            {
                outcomes.Add(exit.Flow.ToOutcome(final));
            }
            else
            {
                Walk(exit.Flow, hooks, next + 1, then);
            }
        }
    }

    private void Deliver(Flow flow) => outcomes.Add(flow.ToOutcome(null));
}
