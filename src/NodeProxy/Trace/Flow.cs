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

    public Flow Record(TraceStep step) => this with { Steps = Steps.Add(step) };

    public TraceOutcome ToOutcome(Verdict? final) => new(
        Probability,
        final ?? (Dnatted ? Verdict.Dnat : Verdict.Accepted),
        Dnatted ? Destination : null,
        Dnatted ? DestinationPort : null,
        Masqueraded,
        [.. Steps]);
}
