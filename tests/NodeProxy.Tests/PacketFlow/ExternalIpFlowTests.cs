using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// externalIPs (eTP Cluster: masqueraded, all endpoints), with --external-ip-cidrs
/// 192.168.99.0/28: a service claiming an address outside it has all its externalIPs ignored,
/// while its cluster IP keeps working.
/// </summary>
public sealed class ExternalIpFlowTests
{
    private const string Allowed = "192.168.99.3";
    private const string Both = "10.180.0.1:80, 10.180.2.1:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("externalips");

    [Theory]
    [InlineData("external client", External, Allowed, 80, Tcp, Both, true)]
    [InlineData("pod on this node", LocalPod, Allowed, 80, Tcp, Both, true)]
    [InlineData("pod elsewhere", RemotePod, Allowed, 80, Tcp, Both, true)]
    [InlineData("node", Node, Allowed, 80, Tcp, Both, true)]
    [InlineData("localhost", Localhost, Allowed, 80, Tcp, Both, true)]
    [InlineData("other port", External, Allowed, 81, Tcp, Untouched, false)]
    [InlineData("UDP", External, Allowed, 80, Udp, Untouched, false)]
    [InlineData("unclaimed address", External, "192.168.99.4", 80, Tcp, Untouched, false)]
    [InlineData("address outside --external-ip-cidrs, external client", External, "192.168.99.44", 80, Tcp, Untouched, false)]
    [InlineData("address outside --external-ip-cidrs, pod", LocalPod, "192.168.99.44", 80, Tcp, Untouched, false)]
    [InlineData("address outside --external-ip-cidrs, node", Node, "192.168.99.44", 80, Tcp, Untouched, false)]
    [InlineData("cluster IP of that service still works", LocalPod, "172.30.0.44", 80, Tcp, "10.180.0.4:80", false)]
    [InlineData("allowed address of a service also claiming a disallowed one", External, "192.168.99.5", 80, Tcp, Untouched, false)]
    [InlineData("disallowed address of that service", External, "192.168.99.55", 80, Tcp, Untouched, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
