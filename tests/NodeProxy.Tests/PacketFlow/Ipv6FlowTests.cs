using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// IPv6 (ip6tables rule set) for a dual-stack service: same semantics as IPv4 with the v6 pod
/// network fd00:10::/64; NodePorts never answer on ::1. One IPv4 row checks the other family.
/// </summary>
public sealed class Ipv6FlowTests
{
    private const string ClusterIp = "fd00:172:30::41";
    private const string Both = "[fd00:10::1]:80, [fd00:10::2]:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("ipv6");

    [Theory]
    [InlineData("pod on this node", LocalPodV6, ClusterIp, 80, Tcp, Both, false)]
    [InlineData("pod elsewhere", RemotePodV6, ClusterIp, 80, Tcp, Both, false)]
    [InlineData("node", NodeV6, ClusterIp, 80, Tcp, Both, true)]
    [InlineData("localhost", LocalhostV6, ClusterIp, 80, Tcp, Both, true)]
    [InlineData("external client", ExternalV6, ClusterIp, 80, Tcp, Both, true)]
    [InlineData("other port", LocalPodV6, ClusterIp, 81, Tcp, Untouched, false)]
    [InlineData("external client to NodePort", ExternalV6, NodeV6, 3017, Tcp, Both, true)]
    [InlineData("pod to NodePort", LocalPodV6, NodeV6, 3017, Tcp, Both, true)]
    [InlineData("localhost NodePort never on IPv6", LocalhostV6, LocalhostV6, 3017, Tcp, Untouched, false)]
    [InlineData("IPv4 cluster IP of the same service", LocalPod, "172.30.0.41", 80, Tcp, "10.180.0.1:80", false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);

    [Fact]
    public void HairpinIsMasqueradedOnlyToItself() =>
        Row(Cluster, "endpoint to its own cluster IP", "fd00:10::1", ClusterIp, 80, Tcp, Both, "[fd00:10::1]:80");
}
