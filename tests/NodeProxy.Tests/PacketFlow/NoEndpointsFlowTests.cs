using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// A service with no usable endpoint is rejected on every frontend (cluster IP, NodePort,
/// externalIP, LB IP), so clients fail fast instead of timing out.
/// </summary>
public sealed class NoEndpointsFlowTests
{
    private const string Svc10 = "172.30.0.50";

    private static readonly FlowCluster Cluster = FlowCluster.Load("no-endpoints");

    [Theory]
    [InlineData("pod on this node to cluster IP", LocalPod, Svc10, 80, Tcp, Reject, false)]
    [InlineData("pod elsewhere to cluster IP", RemotePod, Svc10, 80, Tcp, Reject, false)]
    [InlineData("node to cluster IP", Node, Svc10, 80, Tcp, Reject, false)]
    [InlineData("localhost to cluster IP", Localhost, Svc10, 80, Tcp, Reject, false)]
    [InlineData("external client to cluster IP", External, Svc10, 80, Tcp, Reject, false)]
    [InlineData("external client to NodePort", External, Node, 3010, Tcp, Reject, false)]
    [InlineData("node to NodePort", Node, Node, 3010, Tcp, Reject, false)]
    [InlineData("pod to NodePort", LocalPod, Node, 3010, Tcp, Reject, false)]
    [InlineData("external client to externalIP", External, "192.168.99.10", 80, Tcp, Reject, false)]
    [InlineData("pod to externalIP", LocalPod, "192.168.99.10", 80, Tcp, Reject, false)]
    [InlineData("external client to LB IP", External, "1.2.3.4", 80, Tcp, Reject, false)]
    [InlineData("pod to LB IP", LocalPod, "1.2.3.4", 80, Tcp, Reject, false)]
    [InlineData("other port of the cluster IP", LocalPod, Svc10, 81, Tcp, Untouched, false)]
    [InlineData("unused node port", External, Node, 3011, Tcp, Untouched, false)]
    [InlineData("slice without endpoints", LocalPod, "172.30.0.51", 80, Tcp, Reject, false)]
    [InlineData("UDP service", LocalPod, "172.30.0.52", 53, Udp, Reject, false)]
    [InlineData("TCP to the UDP service", LocalPod, "172.30.0.52", 53, Tcp, Untouched, false)]
    [InlineData("only a not-ready, not-serving endpoint", LocalPod, "172.30.0.53", 80, Tcp, Reject, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
