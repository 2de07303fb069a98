using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// hostPorts with the CNI portmap plugin's outcomes: DNAT to podIP:containerPort on this node's
/// addresses (or only the pinned hostIP); external sources keep their address, while 127.0.0.1
/// and pods (cluster CIDR) are masqueraded so replies come back through the node.
/// </summary>
public sealed class HostPortFlowTests
{
    private const string Web = "10.180.0.10:80";
    private const string PinnedIp = "192.168.1.2";

    private static readonly FlowCluster Cluster = FlowCluster.Load("hostport");

    [Theory]
    [InlineData("external client", External, Node, 8080, Tcp, Web, false)]
    [InlineData("external client on the node's second address", External, PinnedIp, 8080, Tcp, Web, false)]
    [InlineData("localhost", Localhost, Localhost, 8080, Tcp, Web, true)]
    [InlineData("localhost to the node IP", Localhost, Node, 8080, Tcp, Web, true)]
    [InlineData("node", Node, Node, 8080, Tcp, Web, false)]
    [InlineData("pod on this node", LocalPod, Node, 8080, Tcp, Web, true)]
    [InlineData("pod elsewhere", RemotePod, Node, 8080, Tcp, Web, true)]
    [InlineData("the pod itself (hairpin)", "10.180.0.10", Node, 8080, Tcp, Web, true)]
    [InlineData("UDP to a TCP hostPort", External, Node, 8080, Udp, Untouched, false)]
    [InlineData("UDP hostPort", External, Node, 5353, Udp, "10.180.0.11:53", false)]
    [InlineData("UDP hostPort from a pod", LocalPod, Node, 5353, Udp, "10.180.0.11:53", true)]
    [InlineData("TCP to a UDP hostPort", External, Node, 5353, Tcp, Untouched, false)]
    [InlineData("hostIP-pinned mapping on its hostIP", External, PinnedIp, 9443, Tcp, "10.180.0.12:8443", false)]
    [InlineData("hostIP-pinned mapping on another node address", External, Node, 9443, Tcp, Untouched, false)]
    [InlineData("hostIP-pinned mapping on localhost", Localhost, Localhost, 9443, Tcp, Untouched, false)]
    [InlineData("hostPort of a pod on another node", External, Node, 8081, Tcp, Untouched, false)]
    [InlineData("hostPort on an address that is not the node's", External, OtherNode, 8080, Tcp, Untouched, false)]
    [InlineData("unmapped port", External, Node, 8082, Tcp, Untouched, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
