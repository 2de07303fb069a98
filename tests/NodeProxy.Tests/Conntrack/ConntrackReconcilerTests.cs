using System.Net;
using NodeProxy.Conntrack;
using NodeProxy.Model;
using NodeProxy.Net;
using Xunit;

namespace NodeProxy.Tests.Conntrack;

/// <summary>Which entries of the table as it is are stale for the model as it is, with no previous model.</summary>
public sealed class ConntrackReconcilerTests
{
    private const string Listing = """
        udp      17 29 src=10.244.1.20 dst=10.96.0.10 sport=40001 dport=53 [UNREPLIED] src=10.244.9.9 dst=10.244.1.20 sport=53 dport=40001 mark=0 use=1
        udp      17 29 src=10.244.1.21 dst=10.96.0.10 sport=40002 dport=53 [UNREPLIED] src=10.244.9.9 dst=10.244.1.21 sport=53 dport=40002 mark=0 use=1
        udp      17 117 src=10.244.1.22 dst=10.96.0.10 sport=40003 dport=53 src=10.244.2.5 dst=10.244.1.22 sport=53 dport=40003 [ASSURED] mark=0 use=1
        udp      17 29 src=10.244.1.23 dst=10.96.0.10 sport=40004 dport=53 [UNREPLIED] src=10.96.0.10 dst=10.244.1.23 sport=53 dport=40004 mark=0 use=1
        udp      17 29 src=192.168.56.100 dst=192.168.56.11 sport=40005 dport=30053 [UNREPLIED] src=10.244.9.9 dst=192.168.56.11 sport=53 dport=3000 mark=0 use=1
        udp      17 29 src=10.244.1.24 dst=203.0.113.9 sport=40006 dport=30053 [UNREPLIED] src=203.0.113.9 dst=192.168.56.11 sport=30053 dport=40006 mark=0 use=1
        udp      17 29 src=10.244.1.25 dst=10.96.0.11 sport=40007 dport=53 [UNREPLIED] src=10.244.9.9 dst=10.244.1.25 sport=53 dport=40007 mark=0 use=1
        tcp      6 431999 ESTABLISHED src=10.244.1.26 dst=10.96.0.10 sport=40008 dport=53 src=10.244.9.9 dst=10.244.1.26 sport=53 dport=40008 [ASSURED] mark=0 use=1
        sctp     132 3 CLOSED src=10.244.1.27 dst=10.96.0.10 sport=40009 dport=53 src=10.244.9.9 dst=10.244.1.27 sport=53 dport=40009 mark=0 use=1
        """;

    private static readonly IPAddress Live = IPAddress.Parse("10.244.2.5");

    [Fact]
    public void TheListingIsReadAsDestinationPortAndReplySourceTcpLeftOut()
    {
        var entries = ConntrackEntry.Parse(Listing).ToList();

        Assert.Equal(8, entries.Count);
        Assert.Equal(new ConntrackEntry(Protocol.Udp, IPAddress.Parse("10.96.0.10"), 53, IPAddress.Parse("10.244.9.9")), entries[0]);
        Assert.Equal(Protocol.Sctp, entries[^1].Protocol);
    }

    [Fact]
    public void FlowsAnsweredByAnythingButAServingEndpointAreStaleOnePerAddressPortAndAnswerer()
    {
        var stale = ConntrackReconciler.Stale(Model(Port(Protocol.Udp, Live)), ConntrackEntry.Parse(Listing));

        string[] expected = ["udp to 10.96.0.10:53 answered by 10.244.9.9", "udp to 10.96.0.10:53 answered by 10.96.0.10", "udp to 192.168.56.11:30053 answered by 10.244.9.9"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), stale.Select(f => f.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void APortWithoutServingEndpointsKeepsItsFlows() =>
        Assert.Empty(ConntrackReconciler.Stale(Model(Port(Protocol.Udp)), ConntrackEntry.Parse(Listing)));

    [Fact]
    public void SctpIsReconciledLikeUdpAndTcpNever()
    {
        var stale = ConntrackReconciler.Stale(Model(Port(Protocol.Sctp, Live), Port(Protocol.Tcp, Live)), ConntrackEntry.Parse(Listing));

        Assert.Equal(["sctp to 10.96.0.10:53 answered by 10.244.9.9"], stale.Select(f => f.ToString()));
    }

    [Fact]
    public void AForwardedFlowToAServerElsewhereOnANodePortNumberIsNotTheNodePorts()
    {
        var stale = ConntrackReconciler.Stale(Model(Port(Protocol.Udp, Live)), ConntrackEntry.Parse(Listing));

        Assert.DoesNotContain(stale, f => f.Destination?.ToString() == "203.0.113.9");
    }

    [Fact]
    public void TheCoverTakesAnEndpointsFlowsInOneFilterWhereNothingElseItAnswersIsSpared()
    {
        var entries = ConntrackEntry.Parse(Listing).ToList();
        var stale = ConntrackReconciler.Stale(Model(Port(Protocol.Udp, Live)), entries);

        var cover = ConntrackReconciler.Cover(IpFamily.V4, entries, stale);

        // 10.244.9.9 also answers on 53 for 10.96.0.11 and over SCTP, which are not stale.
        string[] expected = ["udp to 10.96.0.10:53 answered by 10.244.9.9", "udp to *:53 answered by 10.96.0.10", "udp to *:30053 answered by 10.244.9.9"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), cover.Select(f => f.ToString()).Order(StringComparer.Ordinal));
    }

    private static NodeModel Model(params ServicePort[] ports) => new(IpFamily.V4, "node-1", 0x1000) { Services = [.. ports], NodeIPs = [IPAddress.Parse("192.168.56.11")] };

    private static ServicePort Port(Protocol protocol, params IPAddress[] endpoints) =>
        new(new ServicePortName("kube-system", "dns", "dns"), protocol, IPAddress.Parse("10.96.0.10"), 53)
        {
            NodePort = protocol == Protocol.Udp ? 30053 : null,
            ServingEndpoints = [.. endpoints.Select(e => new Endpoint(e, 53, "node-2", false))],
            HasEndpoints = endpoints.Length > 0,
        };
}
