using NodeProxy.RuleSets;
using NodeProxy.Trace;
using Xunit;
using static NodeProxy.Tests.Trace.TraceRules;

namespace NodeProxy.Tests.Trace;

public sealed class ServiceTraceTests
{
    private static readonly RuleSet Rules = ServiceRules.Build();

    [Fact]
    public void ClusterIpSplitsEvenlyBetweenEndpoints()
    {
        var result = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.96.0.88", 88));

        Assert.Equal(["10.244.1.10:80", "10.244.2.10:80"], result.Endpoints);
        Assert.All(result.Outcomes, o => Assert.Equal(Verdict.Dnat, o.Verdict));
        Assert.Equal(0.5, result.ProbabilityOf("10.244.1.10:80"), 1e-9);
        Assert.Equal(0.5, result.ProbabilityOf("10.244.2.10:80"), 1e-9);
        Assert.Equal(1.0, result.Outcomes.Sum(o => o.Probability), 1e-9);
    }

    [Fact]
    public void PodSourceIsNotMasqueraded()
    {
        var result = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.96.0.88", 88));

        Assert.False(result.IsMasqueraded);
    }

    [Fact]
    public void SourceOutsideThePodNetworkIsMasqueraded()
    {
        var result = PacketTracer.Trace(Rules, Node, Tcp("192.168.5.5", "10.96.0.88", 88));

        Assert.Equal(2, result.Outcomes.Length);
        Assert.All(result.Outcomes, o => Assert.True(o.Masqueraded));
        Assert.Contains(result.Outcomes[0].Steps, s => s is { Table: "nat", Chain: "NP-POSTROUTING", RuleNumber: 3 });
    }

    [Fact]
    public void EndpointReachingItselfIsMasqueradedOnlyOnThatBranch()
    {
        var result = PacketTracer.Trace(Rules, Node, Tcp("10.244.1.10", "10.96.0.88", 88));

        var toItself = Assert.Single(result.Outcomes, o => o.DnatEndpoint == "10.244.1.10:80");
        var toOther = Assert.Single(result.Outcomes, o => o.DnatEndpoint == "10.244.2.10:80");
        Assert.True(toItself.Masqueraded);
        Assert.False(toOther.Masqueraded);
    }

    [Fact]
    public void ServiceWithoutEndpointsIsRejected()
    {
        var result = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.96.0.99", 80));

        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(Verdict.Reject, outcome.Verdict);
        Assert.Equal(1.0, outcome.Probability);
        Assert.Null(outcome.DnatEndpoint);
        Assert.Empty(result.Endpoints);
        Assert.Equal(("filter", "NP-SERVICES", 1), (outcome.Steps[^1].Table, outcome.Steps[^1].Chain, outcome.Steps[^1].RuleNumber));
        Assert.Equal("default/empty:http has no endpoints", outcome.Steps[^1].Comment);
    }

    [Fact]
    public void NodeSourceTakesTheOutputPath()
    {
        var fromNode = PacketTracer.Trace(Rules, Node, Tcp("192.168.1.10", "10.96.0.88", 88));
        var fromPod = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.96.0.88", 88));

        Assert.True(fromNode.FromNode);
        Assert.Equal(
            [("nat", "OUTPUT"), ("filter", "OUTPUT"), ("nat", "POSTROUTING")],
            Hooks(fromNode.Outcomes[0]));
        Assert.Equal(
            [("nat", "PREROUTING"), ("filter", "FORWARD"), ("nat", "POSTROUTING")],
            Hooks(fromPod.Outcomes[0]));
        Assert.False(fromPod.FromNode);
    }

    [Fact]
    public void LoopbackSourceIsLocalWithoutBeingListed()
    {
        var result = PacketTracer.Trace(Rules, TraceContext.Empty, Tcp("127.0.0.1", "10.96.0.88", 88));

        Assert.True(result.FromNode);
        Assert.Equal(("nat", "OUTPUT"), (result.Outcomes[0].Steps[0].Table, result.Outcomes[0].Steps[0].Chain));
    }

    [Fact]
    public void NodeToItselfGoesOutThenBackIn()
    {
        var result = PacketTracer.Trace(Rules, Node, Tcp("192.168.1.10", "192.168.1.10", 22));

        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(Verdict.Accepted, outcome.Verdict);
        Assert.Equal(
            [("nat", "OUTPUT"), ("filter", "OUTPUT"), ("nat", "POSTROUTING"), ("filter", "INPUT")],
            Hooks(outcome));
    }

    [Fact]
    public void NodePortMatchesOnlyALocalDestination()
    {
        var toNode = PacketTracer.Trace(Rules, Node, Tcp("192.168.5.5", "192.168.1.10", 30088));
        var elsewhere = PacketTracer.Trace(Rules, Node, Tcp("192.168.5.5", "192.168.1.99", 30088));

        Assert.Equal(["10.244.1.10:80", "10.244.2.10:80"], toNode.Endpoints);
        Assert.True(toNode.Outcomes.All(o => o.Masqueraded));
        Assert.Empty(elsewhere.Endpoints);
        Assert.Equal(Verdict.Accepted, Assert.Single(elsewhere.Outcomes).Verdict);
    }

    [Fact]
    public void ConntrackDnatStateHoldsOnlyAfterADnat()
    {
        var viaService = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.96.0.88", 88));
        var direct = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.244.2.10", 80));

        Assert.All(viaService.Outcomes, o => Assert.Contains(o.Steps, s => s.Comment == "dnatted by nodeproxy"));
        var outcome = Assert.Single(direct.Outcomes);
        Assert.DoesNotContain(outcome.Steps, s => s.Comment == "dnatted by nodeproxy");
        Assert.Equal(Verdict.Accepted, outcome.Verdict);
    }

    [Fact]
    public void StepsFollowTheJumpsInOrder()
    {
        var result = PacketTracer.Trace(Rules, Node, Tcp("10.244.3.20", "10.96.0.88", 88));

        var natSteps = result.Outcomes[1].Steps.TakeWhile(s => s.Table == "nat").Select(s => (s.Chain, s.RuleNumber));
        Assert.Equal([("PREROUTING", 1), ("NP-SERVICES", 1), ("NP-SVC-WEB", 3), ("NP-SEP-B", 2)], natSteps);
        Assert.Equal("-A NP-SEP-B -p tcp -j DNAT --to-destination 10.244.2.10:80", result.Outcomes[1].Steps[3].RuleText);
    }
}
