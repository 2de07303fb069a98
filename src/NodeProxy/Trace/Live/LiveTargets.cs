using NodeProxy.RuleSets;

namespace NodeProxy.Trace.Live;

/// <summary>A target the tracer does not model: the branch ends there with <see cref="Verdict.Unknown"/>.</summary>
public sealed record UnknownTarget(string Text) : Target
{
    public override string Render() => Text;
}

/// <summary>A target that only looks (LOG, NFLOG, TRACE, ...) or a rule with no target: the packet goes on.</summary>
public sealed record ContinueTarget(string Text) : Target
{
    public override string Render() => Text;
}

/// <summary>"-j MARK --set-xmark VALUE/MASK": the mark becomes (mark AND NOT mask) XOR value.</summary>
public sealed record XmarkTarget(uint Value, uint Mask) : Target
{
    public override string Render() => $"-j MARK --set-xmark {MarkMatch.Hex(Value)}/{MarkMatch.Hex(Mask)}";

    public uint Apply(uint mark) => (mark & ~Mask) ^ Value;
}

/// <summary>"-g CHAIN": like a jump, but falling off CHAIN returns to the chain that called this one.</summary>
public sealed record GotoTarget(string Chain) : Target
{
    public override string Render() => $"-g {Chain}";
}

/// <summary>"-j SNAT --to-source ...": source NAT to a fixed address, as MASQUERADE is for the trace.</summary>
public sealed record SnatTarget(string Text) : Target
{
    public override string Render() => Text;
}
