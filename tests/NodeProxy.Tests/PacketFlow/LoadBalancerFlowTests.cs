using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// LoadBalancer ingress IPs (eTP Cluster): captured and masqueraded from every source, unless
/// the ingress has ipMode Proxy, whose VIP is left alone (its NodePort and cluster IP still work).
/// </summary>
public sealed class LoadBalancerFlowTests
{
    private const string Lb = "1.2.3.4";
    private const string ProxyLb = "5.6.7.8";
    private const string VipLb = "9.10.11.12";
    private const string Both = "10.180.0.1:80, 10.180.2.1:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("loadbalancer");

    [Theory]
    [InlineData("external client", External, Lb, 80, Tcp, Both, true)]
    [InlineData("pod on this node", LocalPod, Lb, 80, Tcp, Both, true)]
    [InlineData("pod elsewhere", RemotePod, Lb, 80, Tcp, Both, true)]
    [InlineData("node", Node, Lb, 80, Tcp, Both, true)]
    [InlineData("localhost", Localhost, Lb, 80, Tcp, Both, true)]
    [InlineData("other port", External, Lb, 81, Tcp, Untouched, false)]
    [InlineData("NodePort of the same service", External, Node, 3004, Tcp, Both, true)]
    [InlineData("ipMode Proxy, external client", External, ProxyLb, 80, Tcp, Untouched, false)]
    [InlineData("ipMode Proxy, pod", LocalPod, ProxyLb, 80, Tcp, Untouched, false)]
    [InlineData("ipMode Proxy, node", Node, ProxyLb, 80, Tcp, Untouched, false)]
    [InlineData("ipMode Proxy, its NodePort still answers", External, Node, 3005, Tcp, "10.180.0.2:80", true)]
    [InlineData("ipMode Proxy, its cluster IP still answers", LocalPod, "172.30.0.45", 80, Tcp, "10.180.0.2:80", false)]
    [InlineData("ipMode VIP", External, VipLb, 80, Tcp, "10.180.0.3:80", true)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
