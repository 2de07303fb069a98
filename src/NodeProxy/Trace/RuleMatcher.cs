using System.Net;
using NodeProxy.Net;
using NodeProxy.RuleSets;
using NodeProxy.Trace.Live;

namespace NodeProxy.Trace;

/// <summary>
/// Decides whether a rule matches the first packet of a new connection. Only statistic matches
/// are uncertain, so the answer is a probability: 0 (no), 1 (yes) or in between (a branch).
/// Rules read from a live node may hold matches no one can decide here; those are named in
/// <c>undecided</c> when everything else holds, and the walker follows both answers.
/// </summary>
internal sealed class RuleMatcher(Packet packet, TraceContext context, bool affinityRecorded)
{
    public double Chance(Rule rule, Flow flow, out string? undecided)
    {
        undecided = null;
        if (!AddressHolds(rule.Source, rule.SourceNegated, packet.Source)
            || !AddressHolds(rule.Destination, rule.DestinationNegated, flow.Destination)
            || rule.Protocol is { } protocol && protocol != packet.Protocol)
        {
            return 0;
        }

        var chance = 1.0;
        foreach (var match in rule.Matches)
        {
            if (match is StatisticMatch statistic)
            {
                // Written this way round so that NaN counts as "never".
                chance *= statistic.Probability >= 1 ? 1 : statistic.Probability > 0 ? statistic.Probability : 0;
            }
            else if (match is UnknownMatch unknown)
            {
                undecided = undecided is null ? unknown.Text : $"{undecided} {unknown.Text}";
            }
            else if (match is InterfaceMatch device && device.Holds(flow.InInterface, flow.OutInterface) is not { } holds)
            {
                undecided = undecided is null ? device.Render() : $"{undecided} {device.Render()}";
            }
            else if (!Holds(match, flow))
            {
                undecided = null;
                return 0;
            }
        }

        return chance;
    }

    // IpNet.Contains is false across families, so "-s net" never matches the other family.
    private static bool AddressHolds(IpNet? net, bool negated, IPAddress address) =>
        net is not { } n || n.Contains(address) != negated;

    private bool Holds(Match match, Flow flow) => match switch
    {
        CommentMatch => true,
        ProtocolNameMatch name => name.Holds(packet.Protocol),
        InterfaceMatch device => device.Holds(flow.InInterface, flow.OutInterface) == true,
        DestinationPortMatch port => port.Protocol == packet.Protocol && port.Port == flow.DestinationPort,
        DestinationPortRangeMatch range => range.Protocol == packet.Protocol && flow.DestinationPort >= range.From && flow.DestinationPort <= range.To,
        AddrTypeLocalMatch addrType => context.IsLocal(addrType.OfSource ? packet.Source : flow.Destination) != addrType.Negated,
        MarkMatch mark => ((flow.Mark & mark.Mark) == mark.Mark) != mark.Negated,
        ConntrackStateMatch conntrack => AnyStateHolds(conntrack.States, flow) != conntrack.Negated,
        ConntrackOriginalDestinationMatch original => flow.Dnatted && original.OriginalDestination.Contains(packet.Destination),

        // The first packet finds a recent list empty unless the caller says the client is
        // already in it; then every list has it, so the first --update (affinity check) rule reached wins.
        RecentMatch recent => recent.Mode == RecentMode.Set || affinityRecorded,
        _ => throw new NotSupportedException($"the tracer does not model the match '{match.Render()}'"),
    };

    private static bool AnyStateHolds(string states, Flow flow) =>
        states.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(state => state.ToUpperInvariant() switch
            {
                "NEW" => true,
                "DNAT" => flow.Dnatted,
                "SNAT" => flow.Masqueraded,

                // ESTABLISHED, RELATED, INVALID, UNTRACKED: never for a new, valid connection.
                _ => false,
            });
}
