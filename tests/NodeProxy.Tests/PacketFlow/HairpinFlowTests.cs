using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// Hairpin: an endpoint pod (10.180.0.1, on test-node) load-balanced back to itself must be
/// masqueraded, or it would answer itself directly; its outcomes to other endpoints are not.
/// The last column lists the endpoints whose outcomes are masqueraded; every other outcome
/// must not be.
/// </summary>
public sealed class HairpinFlowTests
{
    private const string Endpoint = "10.180.0.1";
    private const string Self = "10.180.0.1:80";
    private const string Both = "10.180.0.1:80, 10.180.2.1:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("hairpin");

    [Theory]
    [InlineData("endpoint to its own cluster IP", Endpoint, "172.30.0.41", 80, Tcp, Both, Self)]
    [InlineData("other pod on this node", LocalPod, "172.30.0.41", 80, Tcp, Both, "")]
    [InlineData("pod elsewhere", RemotePod, "172.30.0.41", 80, Tcp, Both, "")]
    [InlineData("node", Node, "172.30.0.41", 80, Tcp, Both, Both)]
    [InlineData("endpoint to its own externalIP (eTP Cluster masquerades all)", Endpoint, "192.168.99.41", 80, Tcp, Both, Both)]
    [InlineData("endpoint to its own eTP Local LB IP (short-circuit)", Endpoint, "1.2.3.4", 80, Tcp, Both, Self)]
    [InlineData("endpoint to its own eTP Local NodePort (short-circuit)", Endpoint, Node, 3042, Tcp, Both, Self)]
    [InlineData("endpoint to its own iTP Local cluster IP", Endpoint, "172.30.0.43", 80, Tcp, Self, Self)]
    [InlineData("endpoint without a node name to its own service", "10.180.3.1", "172.30.0.44", 80, Tcp, "10.180.0.1:80, 10.180.3.1:80", "10.180.3.1:80")]
    [InlineData("endpoint to a service that also has a node-less endpoint", Endpoint, "172.30.0.44", 80, Tcp, "10.180.0.1:80, 10.180.3.1:80", Self)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, string masqueradedEndpoints) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masqueradedEndpoints);
}
