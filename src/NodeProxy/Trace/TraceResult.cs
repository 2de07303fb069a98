using System.Collections.Immutable;

namespace NodeProxy.Trace;

/// <summary>
/// Every way the first packet can go; the probabilities sum to 1. Outcomes are in rule order:
/// the branch taken by a matching statistic rule comes before the one that falls through it.
/// </summary>
public sealed record TraceResult(ImmutableArray<TraceOutcome> Outcomes)
{
    /// <summary>The traced packet, for the header of <see cref="Format"/>; null leaves it out.</summary>
    public Packet? Packet { get; init; }

    /// <summary>Whether the packet was generated on the node (it took nat OUTPUT, not PREROUTING).</summary>
    public bool FromNode { get; init; }

    /// <summary>The interface a packet from outside arrived on, for live traces.</summary>
    public string? InInterface { get; init; }

    /// <summary>The distinct DNAT destinations of delivered outcomes, in outcome order.</summary>
    /// <remarks>
    /// A list rather than an ImmutableArray: xunit compares ImmutableArrays by reference, which
    /// would make <c>Assert.Equal(["10.0.0.1:80"], result.Endpoints)</c> fail in packet-flow tests.
    /// </remarks>
    public IReadOnlyList<string> Endpoints =>
        Outcomes.Where(o => o.Verdict == Verdict.Dnat).Select(o => o.DnatEndpoint!).Distinct().ToList();

    public bool IsMasqueraded => Outcomes.Any(o => o.Masqueraded);

    /// <summary>How likely the packet is delivered to <paramref name="endpoint"/> ("ip:port", v6 bracketed).</summary>
    public double ProbabilityOf(string endpoint) =>
        Outcomes.Where(o => o.Verdict == Verdict.Dnat && o.DnatEndpoint == endpoint).Sum(o => o.Probability);

    public double ProbabilityOf(Verdict verdict) =>
        Outcomes.Where(o => o.Verdict == verdict).Sum(o => o.Probability);

    /// <summary>
    /// The trace for people. Each step shows the rule's target and comment; with
    /// <paramref name="fullRules"/> it shows the whole rule instead.
    /// </summary>
    public string Format(bool fullRules = false) => TraceFormatter.Format(this, fullRules);

    public override string ToString() => Format();

    public bool Equals(TraceResult? other) =>
        other is not null
        && Equals(Packet, other.Packet)
        && FromNode == other.FromNode
        && Outcomes.SequenceEqual(other.Outcomes);

    public override int GetHashCode() => HashCode.Combine(Packet, FromNode, Outcomes.Length);
}
