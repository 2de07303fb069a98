using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>ClusterIP: uniform load balancing over all ready endpoints; only off-pod-network sources are masqueraded.</summary>
public sealed class ClusterIpFlowTests
{
    private const string Svc1 = "172.30.0.41";
    private const string Svc2 = "172.30.0.42";
    private const string All80 = "10.180.0.1:80, 10.180.1.1:80, 10.180.2.1:80";
    private const string All53 = "10.180.0.1:53, 10.180.1.1:53, 10.180.2.1:53";

    private static readonly FlowCluster Cluster = FlowCluster.Load("clusterip");

    [Theory]
    [InlineData("pod on this node", LocalPod, Svc1, 80, Tcp, All80, false)]
    [InlineData("pod elsewhere", RemotePod, Svc1, 80, Tcp, All80, false)]
    [InlineData("node", Node, Svc1, 80, Tcp, All80, true)]
    [InlineData("localhost", Localhost, Svc1, 80, Tcp, All80, true)]
    [InlineData("external client", External, Svc1, 80, Tcp, All80, true)]
    [InlineData("UDP port from a pod", LocalPod, Svc1, 53, Udp, All53, false)]
    [InlineData("UDP port from the node", Node, Svc1, 53, Udp, All53, true)]
    [InlineData("TCP to the UDP port", LocalPod, Svc1, 53, Tcp, Untouched, false)]
    [InlineData("UDP to the TCP port", LocalPod, Svc1, 80, Udp, Untouched, false)]
    [InlineData("port the service does not have", LocalPod, Svc1, 81, Tcp, Untouched, false)]
    [InlineData("unallocated cluster IP", LocalPod, "172.30.0.99", 80, Tcp, Untouched, false)]
    [InlineData("service port 8080 to endpoint port 80", LocalPod, Svc2, 8080, Tcp, "10.180.0.2:80", false)]
    [InlineData("service port 8080 from the node", Node, Svc2, 8080, Tcp, "10.180.0.2:80", true)]
    [InlineData("endpoint port on the cluster IP", LocalPod, Svc2, 80, Tcp, Untouched, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
