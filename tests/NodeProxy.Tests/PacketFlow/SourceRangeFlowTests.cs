using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// loadBalancerSourceRanges: sources inside the ranges reach the endpoints (masqueraded, eTP
/// Cluster); everyone else is dropped on the LB IP. NodePort and cluster IP are not filtered.
/// svc6's ranges include the node's network, so the node, and traffic the load balancer loops
/// back with the VIP as source, get in.
/// </summary>
public sealed class SourceRangeFlowTests
{
    private const string Lb = "1.2.3.4";
    private const string NodeLb = "5.6.7.8";
    private const string Both = "10.180.0.1:80, 10.180.2.1:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("sourceranges");

    [Theory]
    [InlineData("allowed external client", External, Lb, 80, Tcp, Both, true)]
    [InlineData("blocked external client", Blocked, Lb, 80, Tcp, Drop, false)]
    [InlineData("pod on this node", LocalPod, Lb, 80, Tcp, Drop, false)]
    [InlineData("pod elsewhere", RemotePod, Lb, 80, Tcp, Drop, false)]
    [InlineData("node", Node, Lb, 80, Tcp, Drop, false)]
    [InlineData("blocked client, other port", Blocked, Lb, 81, Tcp, Untouched, false)]
    [InlineData("allowed client, UDP", External, Lb, 80, Udp, Untouched, false)]
    [InlineData("blocked client to the NodePort", Blocked, Node, 3005, Tcp, Both, true)]
    [InlineData("blocked client to the cluster IP", Blocked, "172.30.0.45", 80, Tcp, Both, true)]
    [InlineData("node inside the ranges", Node, NodeLb, 80, Tcp, "10.180.0.6:80", true)]
    [InlineData("VIP-sourced traffic when the node is allowed", NodeLb, NodeLb, 80, Tcp, "10.180.0.6:80", true)]
    [InlineData("allowed client, second service", External, NodeLb, 80, Tcp, "10.180.0.6:80", true)]
    [InlineData("blocked client, second service", Blocked, NodeLb, 80, Tcp, Drop, false)]
    [InlineData("VIP-sourced traffic to the other LB", NodeLb, Lb, 80, Tcp, Drop, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
