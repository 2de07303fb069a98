using System.Collections.Immutable;
using NodeProxy.Net;
using NodeProxy.RuleSets;
using NodeProxy.Trace;
using Xunit;
using static NodeProxy.Tests.Trace.TraceRules;

namespace NodeProxy.Tests.Trace;

public sealed class TracerBehaviourTests
{
    private static RuleSet NatOnly(ImmutableArray<BuiltinJump> jumps, params Chain[] chains) => V4(Table("nat", jumps, chains));

    [Fact]
    public void NothingMatchingLeavesThePacketUntouched()
    {
        var rules = NatOnly(
            [Builtin("PREROUTING", Jump("NP-SERVICES") with { Destination = IpNet.Parse("10.96.0.0/12") })],
            Chain("NP-SERVICES", Dnat("10.244.1.10", 80)));

        var result = PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.244.2.10", 80));

        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(Verdict.Accepted, outcome.Verdict);
        Assert.Equal(1.0, outcome.Probability);
        Assert.Empty(outcome.Steps);
        Assert.False(result.IsMasqueraded);
    }

    [Fact]
    public void ThreeWaySplitGivesAThirdEach()
    {
        var rules = NatOnly(
            [Builtin("PREROUTING", Jump("NP-SVC"))],
            Chain(
                "NP-SVC",
                Dnat("10.244.1.1", 80, StatisticMatch.OneIn(3)),
                Dnat("10.244.1.2", 80, StatisticMatch.OneIn(2)),
                Dnat("10.244.1.3", 80)));

        var result = PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.96.0.1", 80));

        Assert.Equal(["10.244.1.1:80", "10.244.1.2:80", "10.244.1.3:80"], result.Endpoints);
        Assert.All(result.Endpoints, e => Assert.Equal(1.0 / 3, result.ProbabilityOf(e), 1e-9));
        Assert.Equal(1.0, result.Outcomes.Sum(o => o.Probability), 1e-12);
    }

    [Fact]
    public void StatisticBranchesInTheFilterTableSplitVerdicts()
    {
        var rules = V4(Table(
            "filter",
            [Builtin("FORWARD", Do(VerdictTarget.Drop, new StatisticMatch(0.25)))]));

        var result = PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.244.2.10", 80));

        Assert.Equal(0.25, result.ProbabilityOf(Verdict.Drop), 1e-12);
        Assert.Equal(0.75, result.ProbabilityOf(Verdict.Accepted), 1e-12);
    }

    [Fact]
    public void RecordedAffinityPicksTheFirstCheckedEndpoint()
    {
        RecentMatch Check(string list) => new(list, RecentMode.Check, 10800, IpFamily.V4);
        var rules = NatOnly(
            [Builtin("PREROUTING", Jump("NP-SVC"))],
            Chain(
                "NP-SVC",
                Jump("NP-SEP-A", Check("NP-SEP-A")),
                Jump("NP-SEP-B", Check("NP-SEP-B")),
                Jump("NP-SEP-A", StatisticMatch.OneIn(2)),
                Jump("NP-SEP-B")),
            Chain("NP-SEP-A", Dnat("10.244.1.1", 80, new RecentMatch("NP-SEP-A", RecentMode.Set, 0, IpFamily.V4))),
            Chain("NP-SEP-B", Dnat("10.244.1.2", 80, new RecentMatch("NP-SEP-B", RecentMode.Set, 0, IpFamily.V4))));
        var packet = Tcp("10.244.3.20", "10.96.0.1", 80);

        var first = PacketTracer.Trace(rules, Node, packet);
        var recorded = PacketTracer.Trace(rules, Node, packet, affinityRecorded: true);

        Assert.Equal(0.5, first.ProbabilityOf("10.244.1.1:80"), 1e-9);
        Assert.Equal(0.5, first.ProbabilityOf("10.244.1.2:80"), 1e-9);
        var only = Assert.Single(recorded.Outcomes);
        Assert.Equal("10.244.1.1:80", only.DnatEndpoint);
        Assert.Equal(1.0, only.Probability);
    }

    [Fact]
    public void ConntrackDnatIsFalseBeforeTheDnatAndTrueAfter()
    {
        var dnatState = new ConntrackStateMatch("DNAT");
        var rules = V4(
            Table(
                "nat",
                [
                    Builtin("PREROUTING", Do(VerdictTarget.Accept, Comment("too early"), dnatState)),
                    Builtin("PREROUTING", Dnat("10.244.1.1", 80)),
                ]),
            Table("filter", [Builtin("FORWARD", Do(VerdictTarget.Accept, Comment("after"), dnatState))]));

        var result = PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.96.0.1", 80));

        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(Verdict.Dnat, outcome.Verdict);
        Assert.Equal(
            [("nat", "PREROUTING", 2), ("filter", "FORWARD", 1)],
            outcome.Steps.Select(s => (s.Table, s.Chain, s.RuleNumber)));
    }

    [Fact]
    public void NegatedConntrackStateMatchesAnEstablishedOnlyRuleNever()
    {
        var rules = V4(Table(
            "filter",
            [
                Builtin("FORWARD", Do(VerdictTarget.Drop, new ConntrackStateMatch("RELATED,ESTABLISHED"))),
                Builtin("FORWARD", Do(new RejectTarget(IpFamily.V4), new ConntrackStateMatch("NEW", Negated: true))),
                Builtin("FORWARD", Do(VerdictTarget.Accept, new ConntrackStateMatch("INVALID,NEW"))),
            ]));

        var outcome = Assert.Single(PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.244.2.10", 80)).Outcomes);

        Assert.Equal(Verdict.Accepted, outcome.Verdict);
        Assert.Equal(3, Assert.Single(outcome.Steps).RuleNumber);
    }

    [Fact]
    public void ClearedMarkNoLongerMatches()
    {
        var marked = new MarkMatch(0x4000);
        var rules = NatOnly(
            [
                Builtin("PREROUTING", Do(new SetMarkTarget(0x4000))),
                Builtin("POSTROUTING", Do(new ClearMarkTarget(0x4000), marked)),
                Builtin("POSTROUTING", Do(new MasqueradeTarget(), marked)),
            ]);

        var outcome = Assert.Single(PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.244.2.10", 80)).Outcomes);

        Assert.False(outcome.Masqueraded);
        Assert.Equal([("PREROUTING", 1), ("POSTROUTING", 1)], outcome.Steps.Select(s => (s.Chain, s.RuleNumber)));
    }

    [Fact]
    public void DeliveryToTheNodeFromOutsideSkipsPostrouting()
    {
        var rules = NatOnly([Builtin("POSTROUTING", Do(new MasqueradeTarget()))]);

        var toNode = PacketTracer.Trace(rules, Node, Tcp("192.168.5.5", "192.168.1.10", 22));
        var through = PacketTracer.Trace(rules, Node, Tcp("192.168.5.5", "10.244.2.10", 22));

        Assert.False(toNode.IsMasqueraded);
        Assert.True(through.IsMasqueraded);
    }

    [Fact]
    public void JumpToAMissingChainIsNotedAndSkipped()
    {
        var rules = NatOnly([
            Builtin("PREROUTING", Jump("NP-GONE")),
            Builtin("PREROUTING", Dnat("10.244.1.1", 80)),
        ]);

        var outcome = Assert.Single(PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.96.0.1", 80)).Outcomes);

        Assert.Equal("10.244.1.1:80", outcome.DnatEndpoint);
        Assert.Contains("NP-GONE does not exist", outcome.Steps[0].Note);
    }

    [Fact]
    public void ReturnGoesBackToTheCaller()
    {
        var rules = NatOnly(
            [Builtin("PREROUTING", Jump("NP-A")), Builtin("PREROUTING", Dnat("10.244.1.2", 80))],
            Chain("NP-A", Do(VerdictTarget.Return), Dnat("10.244.1.1", 80)));

        var outcome = Assert.Single(PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.96.0.1", 80)).Outcomes);

        Assert.Equal("10.244.1.2:80", outcome.DnatEndpoint);
    }

    [Fact]
    public void JumpLoopIsAnError()
    {
        var rules = NatOnly(
            [Builtin("PREROUTING", Jump("NP-A"))],
            Chain("NP-A", Jump("NP-B")),
            Chain("NP-B", Jump("NP-A")));

        Assert.Throws<InvalidOperationException>(() => PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.96.0.1", 80)));
    }

    [Fact]
    public void PacketOfTheOtherFamilyIsRefused()
    {
        var rules = NatOnly([]);

        Assert.Throws<ArgumentException>(() => PacketTracer.Trace(rules, Node, Tcp("fd00::1", "fd00::2", 80)));
    }

    [Fact]
    public void PositiveAddressMatchNeverMatchesTheOtherFamily()
    {
        var rules = new RuleSet(IpFamily.V6, [Table(
            "nat",
            [
                Builtin("PREROUTING", Dnat("10.244.1.1", 80) with { Destination = IpNet.Parse("0.0.0.0/0") }),
                Builtin("PREROUTING", Dnat("fd00::10", 80) with { Destination = IpNet.Parse("fd00::/64") }),
            ])]);

        var result = PacketTracer.Trace(rules, TraceContext.Empty, Tcp("fd00::1", "fd00::2", 80));

        Assert.Equal(["[fd00::10]:80"], result.Endpoints);
    }

    [Fact]
    public void Ipv6LoopbackIsLocal()
    {
        var rules = new RuleSet(IpFamily.V6, [Table("nat", [Builtin("OUTPUT", Dnat("fd00::10", 80))])]);

        var result = PacketTracer.Trace(rules, TraceContext.Empty, Tcp("::1", "fd00::2", 80));

        Assert.True(result.FromNode);
        Assert.Equal("OUTPUT", Assert.Single(Assert.Single(result.Outcomes).Steps).Chain);
    }

    [Fact]
    public void ProtocolAndPortMustBothMatch()
    {
        var rules = NatOnly([
            Builtin("PREROUTING", Dnat("10.244.1.1", 53, new DestinationPortMatch(Protocol.Udp, 53)) with { Protocol = Protocol.Udp }),
            Builtin("PREROUTING", Dnat("10.244.1.2", 53, new DestinationPortMatch(Protocol.Tcp, 53)) with { Protocol = Protocol.Tcp }),
        ]);

        var tcp = PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.96.0.10", 53));
        var otherPort = PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.96.0.10", 54));

        Assert.Equal(["10.244.1.2:53"], tcp.Endpoints);
        Assert.Empty(otherPort.Endpoints);
    }

    [Fact]
    public void AddrTypeOfSourceCanBeNegated()
    {
        var rules = NatOnly([
            Builtin("PREROUTING", Dnat("10.244.1.1", 80, new AddrTypeLocalMatch(OfSource: true, Negated: true))),
        ]);
        var localOnly = NatOnly([Builtin("OUTPUT", Dnat("10.244.1.1", 80, new AddrTypeLocalMatch(OfSource: true)))]);

        Assert.Single(PacketTracer.Trace(rules, Node, Tcp("10.244.3.20", "10.96.0.1", 80)).Endpoints);
        Assert.Single(PacketTracer.Trace(localOnly, Node, Tcp("192.168.1.10", "10.96.0.1", 80)).Endpoints);
        Assert.Empty(PacketTracer.Trace(localOnly, Node, Tcp("10.244.3.20", "10.96.0.1", 80)).Endpoints);
    }
}
