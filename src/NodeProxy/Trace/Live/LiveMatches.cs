using System.Globalization;
using NodeProxy.RuleSets;

namespace NodeProxy.Trace.Live;

/// <summary>
/// A match read from the kernel that the tracer cannot decide (ipset, physdev, a match with options
/// NodeProxy never writes, ...): the trace follows both outcomes and says which it assumed.
/// </summary>
public sealed record UnknownMatch(string Text) : Match
{
    public override string Render() => Text;
}

/// <summary>"-i eth0" / "-o cbr0" / "! -i lo+": holds when the packet's interface is known and matches.</summary>
public sealed record InterfaceMatch(bool Outgoing, string Name, bool Negated) : Match
{
    public override string Render() => $"{(Negated ? "! " : "")}{(Outgoing ? "-o" : "-i")} {Name}";

    /// <summary>Null when the interface is not known: then the match cannot be decided.</summary>
    public bool? Holds(string? inInterface, string? outInterface)
    {
        var name = Outgoing ? outInterface : inInterface;
        if (name is null)
        {
            return null;
        }

        // iptables' "+" ends a prefix: "veth+" is every veth.
        var same = Name.EndsWith('+') ? name.StartsWith(Name[..^1], StringComparison.Ordinal) : name == Name;
        return same != Negated;
    }
}

/// <summary>"-p NAME" as iptables-save prints it for rules NodeProxy did not write (icmp, 6, all, ...).</summary>
public sealed record ProtocolNameMatch(string Name, bool Negated) : Match
{
    public override string Render() => $"{(Negated ? "! " : "")}-p {Name}";

    public bool Holds(Net.Protocol protocol)
    {
        var number = protocol switch { Net.Protocol.Tcp => 6, Net.Protocol.Udp => 17, _ => 132 };
        var same = Name == "all" || Name == "0"
            || string.Equals(Name, Net.ProtocolText.Name(protocol), StringComparison.OrdinalIgnoreCase)
            || Name == number.ToString(CultureInfo.InvariantCulture);
        return same != Negated;
    }
}
