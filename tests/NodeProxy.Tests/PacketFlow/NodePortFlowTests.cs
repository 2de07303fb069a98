using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// NodePort (eTP Cluster): answered on the node's addresses, always masqueraded, all endpoints.
/// 127.0.0.1 answers only with --localhost-nodeports (fixture nodeport-localhost).
/// </summary>
public sealed class NodePortFlowTests
{
    private const string Both = "10.180.0.1:80, 10.180.2.1:80";
    private const string Dns = "10.180.0.3:53";

    private static readonly FlowCluster Cluster = FlowCluster.Load("nodeport");
    private static readonly FlowCluster WithLocalhost = FlowCluster.Load("nodeport-localhost");

    [Theory]
    [InlineData("external client", External, Node, 3001, Tcp, Both, true)]
    [InlineData("node to its own IP", Node, Node, 3001, Tcp, Both, true)]
    [InlineData("localhost without --localhost-nodeports", Localhost, Localhost, 3001, Tcp, Untouched, false)]
    [InlineData("localhost to the node IP", Localhost, Node, 3001, Tcp, Both, true)]
    [InlineData("pod on this node", LocalPod, Node, 3001, Tcp, Both, true)]
    [InlineData("pod elsewhere", RemotePod, Node, 3001, Tcp, Both, true)]
    [InlineData("another node's IP", External, OtherNode, 3001, Tcp, Untouched, false)]
    [InlineData("unused node port", External, Node, 3002, Tcp, Untouched, false)]
    [InlineData("UDP to a TCP node port", External, Node, 3001, Udp, Untouched, false)]
    [InlineData("UDP node port", External, Node, 3053, Udp, Dns, true)]
    [InlineData("TCP to a UDP node port", External, Node, 3053, Tcp, Untouched, false)]
    [InlineData("node port on the cluster IP", LocalPod, "172.30.0.42", 3001, Tcp, Untouched, false)]
    [InlineData("cluster IP from a pod", LocalPod, "172.30.0.42", 80, Tcp, Both, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);

    [Theory]
    [InlineData("localhost", Localhost, Localhost, 3001, Tcp, Both, true)]
    [InlineData("localhost, another loopback address", Localhost, "127.0.0.2", 3001, Tcp, Both, true)]
    [InlineData("localhost, UDP", Localhost, Localhost, 3053, Udp, Dns, true)]
    [InlineData("localhost, unused node port", Localhost, Localhost, 3002, Tcp, Untouched, false)]
    [InlineData("localhost to the node IP", Localhost, Node, 3001, Tcp, Both, true)]
    [InlineData("node to its own IP", Node, Node, 3001, Tcp, Both, true)]
    [InlineData("external client", External, Node, 3001, Tcp, Both, true)]
    [InlineData("pod on this node", LocalPod, Node, 3001, Tcp, Both, true)]
    public void FlowWithLocalhostNodePorts(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(WithLocalhost, name, source, destination, port, protocol, expected, masquerade);
}
