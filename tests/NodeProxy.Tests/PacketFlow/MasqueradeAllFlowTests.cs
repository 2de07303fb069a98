using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// --masquerade-all: everything sent to a cluster IP is masqueraded, pods' included. As in
/// kube-proxy it concerns cluster-IP traffic only: eTP Local external traffic keeps its source.
/// </summary>
public sealed class MasqueradeAllFlowTests
{
    private const string Svc14 = "172.30.0.41";
    private const string Both = "10.180.0.1:80, 10.180.2.1:80";
    private const string LocalBoth = "10.180.0.2:80, 10.180.2.2:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("masquerade-all");

    [Theory]
    [InlineData("pod on this node to cluster IP", LocalPod, Svc14, 80, Tcp, Both, true)]
    [InlineData("pod elsewhere to cluster IP", RemotePod, Svc14, 80, Tcp, Both, true)]
    [InlineData("endpoint pod to its own cluster IP", "10.180.0.1", Svc14, 80, Tcp, Both, true)]
    [InlineData("node to cluster IP", Node, Svc14, 80, Tcp, Both, true)]
    [InlineData("localhost to cluster IP", Localhost, Svc14, 80, Tcp, Both, true)]
    [InlineData("external client to cluster IP", External, Svc14, 80, Tcp, Both, true)]
    [InlineData("external client to NodePort", External, Node, 3041, Tcp, Both, true)]
    [InlineData("pod to NodePort", LocalPod, Node, 3041, Tcp, Both, true)]
    [InlineData("eTP Local: pod to cluster IP", LocalPod, "172.30.0.42", 80, Tcp, LocalBoth, true)]
    [InlineData("eTP Local: external client to LB IP keeps its source", External, "1.2.3.4", 80, Tcp, "10.180.0.2:80", false)]
    [InlineData("eTP Local: pod to LB IP (short-circuit) keeps its source", LocalPod, "1.2.3.4", 80, Tcp, LocalBoth, false)]
    [InlineData("eTP Local: node to LB IP", Node, "1.2.3.4", 80, Tcp, LocalBoth, true)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
