using NodeProxy.Net;
using NodeProxy.RuleSets;
using static NodeProxy.Tests.Trace.TraceRules;

namespace NodeProxy.Tests.Trace;

/// <summary>
/// A rule set shaped like the one NodeProxy renders, cut down to one service with two
/// endpoints (10.96.0.88:88 -> 10.244.1.10:80, 10.244.2.10:80, node port 30088), one service
/// without endpoints (10.96.0.99:80), a pod CIDR of 10.244.0.0/16 and the node at 192.168.1.10.
/// </summary>
internal static class ServiceRules
{
    public const uint MasqMark = 0x4000;

    public static RuleSet Build() => V4(Nat(), Filter());

    private static Table Nat() => Table(
        "nat",
        [
            Builtin("PREROUTING", Jump("NP-SERVICES", Comment("nodeproxy service portals"))),
            Builtin("OUTPUT", Jump("NP-SERVICES", Comment("nodeproxy service portals"))),
            Builtin("POSTROUTING", Jump("NP-POSTROUTING", Comment("nodeproxy postrouting"))),
        ],
        Chain(
            "NP-SERVICES",
            Jump("NP-SVC-WEB", Comment("default/web:http cluster IP"), new DestinationPortMatch(Protocol.Tcp, 88)) with
            {
                Destination = IpNet.Parse("10.96.0.88/32"),
                Protocol = Protocol.Tcp,
            },
            Jump("NP-NODEPORTS", Comment("node ports"), new AddrTypeLocalMatch(OfSource: false))),
        Chain(
            "NP-NODEPORTS",
            Jump("NP-EXT-WEB", Comment("default/web:http node port"), new DestinationPortMatch(Protocol.Tcp, 30088)) with
            {
                Protocol = Protocol.Tcp,
            }),
        Chain("NP-EXT-WEB", Jump("NP-MARK-MASQ"), Jump("NP-SVC-WEB")),
        Chain(
            "NP-SVC-WEB",
            Jump("NP-MARK-MASQ", Comment("from outside the pod network")) with
            {
                Source = IpNet.Parse("10.244.0.0/16"),
                SourceNegated = true,
                Destination = IpNet.Parse("10.96.0.88/32"),
            },
            Jump("NP-SEP-A", StatisticMatch.OneIn(2)),
            Jump("NP-SEP-B")),
        Endpoint("NP-SEP-A", "10.244.1.10"),
        Endpoint("NP-SEP-B", "10.244.2.10"),
        Chain("NP-MARK-MASQ", Do(new SetMarkTarget(MasqMark))),
        Chain(
            "NP-POSTROUTING",
            Do(VerdictTarget.Return, new MarkMatch(MasqMark, Negated: true)),
            Do(new ClearMarkTarget(MasqMark)),
            Do(new MasqueradeTarget(), Comment("masquerade marked traffic"))));

    // The first rule masquerades an endpoint that reaches itself through the service (hairpin).
    private static Chain Endpoint(string name, string address) => Chain(
        name,
        Jump("NP-MARK-MASQ", Comment("hairpin")) with { Source = IpNet.Parse(address + "/32") },
        Dnat(address, 80) with { Protocol = Protocol.Tcp });

    private static Table Filter()
    {
        var newOnly = new ConntrackStateMatch("NEW");
        return Table(
            "filter",
            [
                Builtin("INPUT", Jump("NP-SERVICES", newOnly)),
                Builtin("FORWARD", Jump("NP-SERVICES", newOnly)),
                Builtin("FORWARD", Jump("NP-FORWARD")),
                Builtin("OUTPUT", Jump("NP-SERVICES", newOnly)),
            ],
            Chain(
                "NP-SERVICES",
                Do(new RejectTarget(IpFamily.V4), Comment("default/empty:http has no endpoints"), new DestinationPortMatch(Protocol.Tcp, 80)) with
                {
                    Destination = IpNet.Parse("10.96.0.99/32"),
                    Protocol = Protocol.Tcp,
                }),
            Chain(
                "NP-FORWARD",
                Do(VerdictTarget.Drop, new ConntrackStateMatch("INVALID")),
                Do(VerdictTarget.Accept, Comment("dnatted by nodeproxy"), new ConntrackStateMatch("DNAT"))));
    }
}
