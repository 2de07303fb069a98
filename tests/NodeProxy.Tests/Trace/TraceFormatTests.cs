using NodeProxy.RuleSets;
using NodeProxy.Trace;
using Xunit;
using static NodeProxy.Tests.Trace.TraceRules;

namespace NodeProxy.Tests.Trace;

public sealed class TraceFormatTests
{
    private static readonly RuleSet Rules = V4(Table(
        "nat",
        [Builtin("PREROUTING", Jump("NP-SERVICES", Comment("nodeproxy service portals")))],
        Chain(
            "NP-SERVICES",
            Dnat("10.244.1.10", 80, Comment("default/web"), StatisticMatch.OneIn(2)),
            Dnat("10.244.2.10", 80, Comment("default/web")))));

    [Fact]
    public void EachOutcomeShowsItsChanceVerdictAndSteps()
    {
        var text = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.96.0.88", 88)).Format();

        Assert.Equal(
            """
            packet tcp 10.244.3.20 -> 10.96.0.88:88 (from a pod or another host)
            50.0%  DNAT to 10.244.1.10:80, masqueraded: no
              nat  PREROUTING   #1  -j NP-SERVICES   (nodeproxy service portals)
              nat  NP-SERVICES  #1  -j DNAT --to-destination 10.244.1.10:80   (default/web)
            50.0%  DNAT to 10.244.2.10:80, masqueraded: no
              nat  PREROUTING   #1  -j NP-SERVICES   (nodeproxy service portals)
              nat  NP-SERVICES  #2  -j DNAT --to-destination 10.244.2.10:80   (default/web)

            """.Replace("\r\n", "\n"),
            text);
    }

    [Fact]
    public void FullRulesShowTheWholeRule()
    {
        var text = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.96.0.88", 88)).Format(fullRules: true);

        Assert.Contains(
            "  nat  NP-SERVICES  #2  -A NP-SERVICES -m comment --comment \"default/web\" -j DNAT --to-destination 10.244.2.10:80\n",
            text);
    }

    [Fact]
    public void NoMatchSaysUntouched()
    {
        var text = PacketTracer.Trace(V4(), Node, Tcp("192.168.1.10", "10.96.0.88", 88)).ToString();

        Assert.Equal("packet tcp 192.168.1.10 -> 10.96.0.88:88 (from the node)\n100.0%  untouched: no NodeProxy rule matched\n", text);
    }

    [Fact]
    public void RejectAndMasqueradeAreSpelledOut()
    {
        var rules = V4(
            Table("nat", [Builtin("POSTROUTING", Do(new MasqueradeTarget()))]),
            Table("filter", [Builtin("FORWARD", Do(new RejectTarget(NodeProxy.Net.IpFamily.V4), new StatisticMatch(0.001)))]));

        var text = PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.244.2.10", 80)).Format();

        Assert.Contains("\n0.1%  rejected in filter FORWARD #1, masqueraded: no\n", text);
        Assert.Contains("\n99.9%  accepted, destination unchanged, masqueraded: yes\n", text);
    }
}
