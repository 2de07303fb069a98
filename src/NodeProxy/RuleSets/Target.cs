using System.Net;
using NodeProxy.Net;

namespace NodeProxy.RuleSets;

/// <summary>What a rule does when it matches ("-j ..."), in iptables-save form.</summary>
public abstract record Target
{
    public abstract string Render();
}

public sealed record JumpTarget(string Chain) : Target
{
    public override string Render() => $"-j {Chain}";
}

public sealed record DnatTarget(IPAddress Address, int Port) : Target
{
    public override string Render() => $"-j DNAT --to-destination {IpText.FormatEndpoint(Address, Port)}";
}

/// <summary>ORs the mark in ("--or-mark"), printed by iptables-save as --set-xmark m/m.</summary>
public sealed record SetMarkTarget(uint Mark) : Target
{
    public override string Render() => $"-j MARK --set-xmark {MarkMatch.Hex(Mark)}/{MarkMatch.Hex(Mark)}";
}

/// <summary>XORs the mark away ("--xor-mark"), printed by iptables-save as --set-xmark m/0x0.</summary>
public sealed record ClearMarkTarget(uint Mark) : Target
{
    public override string Render() => $"-j MARK --set-xmark {MarkMatch.Hex(Mark)}/0x0";
}

public sealed record MasqueradeTarget : Target
{
    public override string Render() => "-j MASQUERADE --random-fully";
}

public sealed record RejectTarget(IpFamily Family) : Target
{
    public override string Render() =>
        Family == IpFamily.V4 ? "-j REJECT --reject-with icmp-port-unreachable" : "-j REJECT --reject-with icmp6-port-unreachable";
}

public sealed record VerdictTarget(string Verdict) : Target
{
    public static readonly VerdictTarget Accept = new("ACCEPT");
    public static readonly VerdictTarget Drop = new("DROP");
    public static readonly VerdictTarget Return = new("RETURN");

    public override string Render() => $"-j {Verdict}";
}
