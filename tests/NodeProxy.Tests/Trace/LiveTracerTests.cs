using System.Net;
using NodeProxy.Net;
using NodeProxy.Trace;
using NodeProxy.Trace.Live;
using Xunit;

namespace NodeProxy.Tests.Trace;

/// <summary>
/// The live tracer on iptables-save text as a node prints it, foreign rules included: what it
/// cannot decide it follows both ways and says so, and policies and counters are the kernel's.
/// </summary>
public sealed class LiveTracerTests
{
    private static readonly Packet FromPod = new(IPAddress.Parse("10.244.1.20"), IPAddress.Parse("10.244.2.10"), 80, Protocol.Tcp);

    private static TraceResult Trace(string filter, string? inInterface = "cbr0") =>
        LiveTracer.Trace(LiveTables.Parse(filter, IpFamily.V4), TraceContext.Empty, FromPod, inInterface,
            q => new Route(RouteKind.Out, "eth0", $"ip route get {q.Destination}: via 192.168.56.12 dev eth0"));

    [Fact]
    public void AMatchItCannotDecideIsFollowedBothWaysAndNamed()
    {
        var result = Trace("""
            *filter
            :FORWARD ACCEPT [0:0]
            [7:420] -A FORWARD -m set --match-set blocked src -j DROP
            COMMIT
            """);

        Assert.Equal(2, result.Outcomes.Length);
        var dropped = Assert.Single(result.Outcomes, o => o.Verdict == Verdict.Drop);
        Assert.Equal(["filter FORWARD #1 matched (-m set --match-set blocked src)"], dropped.Assumptions.ToList());
        Assert.Equal(7, dropped.Steps[^1].Packets);
        var accepted = Assert.Single(result.Outcomes, o => o.Verdict == Verdict.Accepted);
        Assert.Equal(["filter FORWARD #1 did not match (-m set --match-set blocked src)"], accepted.Assumptions.ToList());
        Assert.Contains("if filter FORWARD #1 matched", result.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void APolicyOfDropDropsWhatNoRuleAccepts()
    {
        var result = Trace("""
            *filter
            :FORWARD DROP [3:180]
            :CNI - [0:0]
            [5:300] -A FORWARD -i cbr0 -j CNI
            [1:60] -A CNI -d 10.244.3.0/24 -j ACCEPT
            [4:240] -A CNI -p udp -j ACCEPT
            COMMIT
            """);

        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(Verdict.Drop, outcome.Verdict);
        Assert.Equal(["routing", "filter", "filter"], outcome.Steps.Select(s => s.Table));
        Assert.Equal("policy DROP", outcome.Steps[^1].Action);
        Assert.Equal(3, outcome.Steps[^1].Packets);
        Assert.Contains("dropped in filter FORWARD", result.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnInterfaceNotGivenIsUndecidedAndOneGivenDecides()
    {
        const string rules = """
            *filter
            :FORWARD ACCEPT [0:0]
            -A FORWARD -i eth1 -j REJECT --reject-with icmp-host-prohibited
            COMMIT
            """;

        Assert.Equal(Verdict.Accepted, Assert.Single(Trace(rules).Outcomes).Verdict);
        Assert.Equal(Verdict.Reject, Assert.Single(Trace(rules, "eth1").Outcomes).Verdict);
    }

    [Fact]
    public void MarksGotosAndUnknownTargetsAreWalkedAsTheKernelDoes()
    {
        var result = Trace("""
            *mangle
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -j MARK --set-xmark 0x4000/0xffffffff
            COMMIT
            *filter
            :FORWARD ACCEPT [0:0]
            :A - [0:0]
            :B - [0:0]
            -A FORWARD -j A
            -A FORWARD -j NFQUEUE --queue-num 1
            -A A -g B
            -A A -j DROP
            -A B -m mark ! --mark 0x4000/0x4000 -j DROP
            COMMIT
            """);

        // B falls off back past A (a goto), so A's DROP is never reached; NFQUEUE is not modelled.
        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(Verdict.Unknown, outcome.Verdict);
        Assert.Equal("-j NFQUEUE --queue-num 1", outcome.Steps[^1].Action);
    }
}
