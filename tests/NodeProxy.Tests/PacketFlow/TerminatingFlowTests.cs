using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// Terminating endpoints: used only when no ready endpoint is left for the traffic policy in
/// question, and then only the serving ones; non-serving endpoints never. The fallback is
/// decided separately for Cluster and Local policy.
/// </summary>
public sealed class TerminatingFlowTests
{
    private static readonly FlowCluster Cluster = FlowCluster.Load("terminating");

    [Theory]
    [InlineData("ready endpoints win over terminating ones", LocalPod, "172.30.0.61", 80, Tcp, "10.180.0.1:80, 10.180.2.1:80", false)]
    [InlineData("ready endpoints win, from the node", Node, "172.30.0.61", 80, Tcp, "10.180.0.1:80, 10.180.2.1:80", true)]
    [InlineData("only terminating: serving ones used", LocalPod, "172.30.0.62", 80, Tcp, "10.180.0.3:80, 10.180.2.3:80", false)]
    [InlineData("only terminating, pod elsewhere", RemotePod, "172.30.0.62", 80, Tcp, "10.180.0.3:80, 10.180.2.3:80", false)]
    [InlineData("only terminating, external client to NodePort", External, Node, 3062, Tcp, "10.180.0.3:80, 10.180.2.3:80", true)]
    [InlineData("only non-serving terminating: rejected", LocalPod, "172.30.0.63", 80, Tcp, Reject, false)]
    [InlineData("only non-serving terminating, from the node", Node, "172.30.0.63", 80, Tcp, Reject, false)]
    [InlineData("eTP Local: external client falls back to the local serving-terminating endpoint", External, Node, 3064, Tcp, "10.180.0.6:80", false)]
    [InlineData("eTP Local: cluster IP uses the ready remote endpoint", LocalPod, "172.30.0.64", 80, Tcp, "10.180.2.6:80", false)]
    [InlineData("eTP Local: pod short-circuit uses the ready remote endpoint", LocalPod, Node, 3064, Tcp, "10.180.2.6:80", false)]
    [InlineData("eTP Local: node uses the ready remote endpoint", Node, Node, 3064, Tcp, "10.180.2.6:80", true)]
    [InlineData("iTP Local: falls back to the local serving-terminating endpoint", LocalPod, "172.30.0.65", 80, Tcp, "10.180.0.8:80", false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
