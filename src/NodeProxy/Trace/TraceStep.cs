namespace NodeProxy.Trace;

/// <summary>
/// A rule that matched the packet and was acted on. <see cref="RuleNumber"/> is 1-based within
/// the chain; in a built-in chain it counts only NodeProxy's jumps, since the tracer knows no
/// other rules there. <see cref="RuleText"/> is the rule as iptables-save prints it ("-A CHAIN
/// ..."), <see cref="Action"/> just its target ("-j ..."). <see cref="Note"/> says when the rule
/// did not do what it reads as doing (a jump to a chain that does not exist). A routing decision
/// is a step of table "routing", and a chain policy a step, both with rule number 0.
/// </summary>
public sealed record TraceStep(
    string Table,
    string Chain,
    int RuleNumber,
    string RuleText,
    string? Comment,
    string Action,
    string? Note = null)
{
    /// <summary>The rule's packet counter on the live node; null for rendered rules.</summary>
    public long? Packets { get; init; }

    /// <summary>The rule's byte counter on the live node; null for rendered rules.</summary>
    public long? Bytes { get; init; }
}
