using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// Topology hints (test-node is in zone-a): when every ready endpoint has a zone hint and one
/// names zone-a, only endpoints hinted for zone-a are used; otherwise hints are ignored.
/// </summary>
public sealed class TopologyFlowTests
{
    private const string SameZone = "10.180.0.1:80, 10.180.1.1:80";
    private const string AllFour = "10.180.0.1:80, 10.180.1.1:80, 10.180.2.1:80, 10.180.2.2:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("topology");

    [Theory]
    [InlineData("hinted: pod on this node", LocalPod, "172.30.0.71", 80, Tcp, SameZone, false)]
    [InlineData("hinted: pod elsewhere (this node's rules)", RemotePod, "172.30.0.71", 80, Tcp, SameZone, false)]
    [InlineData("hinted: node", Node, "172.30.0.71", 80, Tcp, SameZone, true)]
    [InlineData("hinted: external client to NodePort", External, Node, 3071, Tcp, SameZone, true)]
    [InlineData("one endpoint without hints: all used", LocalPod, "172.30.0.72", 80, Tcp, AllFour, false)]
    [InlineData("no hint for this zone: all used", LocalPod, "172.30.0.73", 80, Tcp, "10.180.2.1:80, 10.180.3.1:80", false)]
    [InlineData("endpoint hinted for two zones", LocalPod, "172.30.0.74", 80, Tcp, "10.180.0.1:80, 10.180.2.1:80", false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
