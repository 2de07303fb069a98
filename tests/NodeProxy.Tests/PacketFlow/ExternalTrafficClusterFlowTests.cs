using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// externalTrafficPolicy Cluster: every packet to an external destination (LB IP, NodePort,
/// externalIP) reaches all endpoints and is masqueraded, pods' included.
/// </summary>
public sealed class ExternalTrafficClusterFlowTests
{
    private const string Lb = "1.2.3.4";
    private const string ExtIp = "192.168.99.7";
    private const string Both = "10.180.0.1:80, 10.180.2.1:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("etp-cluster");

    [Theory]
    [InlineData("external client to LB IP", External, Lb, 80, Tcp, Both, true)]
    [InlineData("external client to NodePort", External, Node, 3007, Tcp, Both, true)]
    [InlineData("external client to externalIP", External, ExtIp, 80, Tcp, Both, true)]
    [InlineData("pod on this node to LB IP", LocalPod, Lb, 80, Tcp, Both, true)]
    [InlineData("pod on this node to externalIP", LocalPod, ExtIp, 80, Tcp, Both, true)]
    [InlineData("pod elsewhere to NodePort", RemotePod, Node, 3007, Tcp, Both, true)]
    [InlineData("node to LB IP", Node, Lb, 80, Tcp, Both, true)]
    [InlineData("node to NodePort", Node, Node, 3007, Tcp, Both, true)]
    [InlineData("localhost to LB IP", Localhost, Lb, 80, Tcp, Both, true)]
    [InlineData("cluster IP from a pod", LocalPod, "172.30.0.47", 80, Tcp, Both, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
