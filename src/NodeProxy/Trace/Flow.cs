using System.Collections.Immutable;
using System.Net;

namespace NodeProxy.Trace;

/// <summary>
/// The packet's state on one branch of the trace. The source never changes here: MASQUERADE is
/// the last thing that happens to the first packet, so it is only recorded.
/// </summary>
internal sealed record Flow(
    double Probability,
    IPAddress Destination,
    int DestinationPort,
    uint Mark,
    bool Dnatted,
    bool Masqueraded,
    ImmutableList<TraceStep> Steps)
{
    public static Flow Start(Packet packet) =>
        new(1.0, packet.Destination, packet.DestinationPort, 0, false, false, []);

    /// <summary>The interface the packet came in on ("lo" once a local packet loops back), when known.</summary>
    public string? InInterface { get; init; }

    /// <summary>The interface the routing decision sends it out of, when known.</summary>
    public string? OutInterface { get; init; }

    /// <summary>What this branch assumed about rules whose matches the tracer cannot decide.</summary>
    public ImmutableList<string> Assumptions { get; init; } = [];

    public Flow Record(TraceStep step) => this with { Steps = Steps.Add(step) };

    public Flow Assume(string assumption) => this with { Assumptions = Assumptions.Add(assumption) };

    public TraceOutcome ToOutcome(Verdict? final) => new(
        Probability,
        final ?? (Dnatted ? Verdict.Dnat : Verdict.Accepted),
        Dnatted ? Destination : null,
        Dnatted ? DestinationPort : null,
        Masqueraded,
        [.. Steps])
    {
        Assumptions = [.. Assumptions],
    };
}
