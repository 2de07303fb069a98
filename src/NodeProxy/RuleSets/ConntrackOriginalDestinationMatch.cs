using NodeProxy.Net;

namespace NodeProxy.RuleSets;

/// <summary>"-m conntrack --ctstate DNAT --ctorigdst NET": a connection DNATed from an address in NET.</summary>
public sealed record ConntrackOriginalDestinationMatch(IpNet OriginalDestination) : Match
{
    public override string Render() => $"-m conntrack --ctstate DNAT --ctorigdst {OriginalDestination}";
}
