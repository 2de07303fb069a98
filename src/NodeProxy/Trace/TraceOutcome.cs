using System.Collections.Immutable;
using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Trace;

/// <summary>
/// One way the first packet can go, and how likely it is. <see cref="DnatAddress"/> and
/// <see cref="DnatPort"/> are set whenever a DNAT happened, even if a later filter rule then
/// rejected or dropped the packet.
/// </summary>
public sealed record TraceOutcome(
    double Probability,
    Verdict Verdict,
    IPAddress? DnatAddress,
    int? DnatPort,
    bool Masqueraded,
    ImmutableArray<TraceStep> Steps)
{
    /// <summary>"10.0.0.1:80" or "[fd00::1]:80" when a DNAT happened, else null.</summary>
    public string? DnatEndpoint =>
        DnatAddress is { } address && DnatPort is { } port ? IpText.FormatEndpoint(address, port) : null;

    /// <summary>
    /// What the outcome rests on when rules could not be decided ("filter FORWARD #3 matched"):
    /// such outcomes come in pairs, one per answer, each with the probability of the branch.
    /// </summary>
    public ImmutableArray<string> Assumptions { get; init; } = [];

    public bool IsDelivered => Verdict is Verdict.Accepted or Verdict.Dnat;

    public bool Equals(TraceOutcome? other) =>
        other is not null
        && Probability.Equals(other.Probability)
        && Verdict == other.Verdict
        && Equals(DnatAddress, other.DnatAddress)
        && DnatPort == other.DnatPort
        && Masqueraded == other.Masqueraded
        && Assumptions.SequenceEqual(other.Assumptions)
        && Steps.SequenceEqual(other.Steps);

    public override int GetHashCode() => HashCode.Combine(Probability, Verdict, DnatPort, Masqueraded, Steps.Length);
}
