using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// externalTrafficPolicy Local, on LB IP, NodePort and externalIP alike. External clients reach
/// only local endpoints and keep their source; pods short-circuit to all endpoints, unmasqueraded;
/// the node reaches all endpoints, masqueraded. Without local endpoints external clients are
/// dropped, while pods and the node still get through.
/// </summary>
public sealed class ExternalTrafficLocalFlowTests
{
    private const string Lb = "1.2.3.4";
    private const string ExtIp = "192.168.99.6";
    private const string Local = "10.180.0.1:80";
    private const string Both = "10.180.0.1:80, 10.180.2.1:80";

    private const string RemoteLb = "5.6.7.8";
    private const string RemoteExtIp = "192.168.99.7";
    private const string Remote = "10.180.2.2:80, 10.180.2.3:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("etp-local");

    [Theory]
    [InlineData("external client to LB IP", External, Lb, 80, Tcp, Local, false)]
    [InlineData("external client to NodePort", External, Node, 3006, Tcp, Local, false)]
    [InlineData("external client to externalIP", External, ExtIp, 80, Tcp, Local, false)]
    [InlineData("pod on this node to LB IP", LocalPod, Lb, 80, Tcp, Both, false)]
    [InlineData("pod on this node to NodePort", LocalPod, Node, 3006, Tcp, Both, false)]
    [InlineData("pod elsewhere to externalIP", RemotePod, ExtIp, 80, Tcp, Both, false)]
    [InlineData("pod elsewhere to LB IP", RemotePod, Lb, 80, Tcp, Both, false)]
    [InlineData("node to NodePort", Node, Node, 3006, Tcp, Both, true)]
    [InlineData("node to LB IP", Node, Lb, 80, Tcp, Both, true)]
    [InlineData("node to externalIP", Node, ExtIp, 80, Tcp, Both, true)]
    [InlineData("localhost to LB IP", Localhost, Lb, 80, Tcp, Both, true)]
    [InlineData("localhost to NodePort without --localhost-nodeports", Localhost, Localhost, 3006, Tcp, Untouched, false)]
    [InlineData("cluster IP from a pod (iTP Cluster)", LocalPod, "172.30.0.46", 80, Tcp, Both, false)]
    [InlineData("cluster IP from an external client", External, "172.30.0.46", 80, Tcp, Both, true)]
    [InlineData("health check node port is not a service", External, Node, 30006, Tcp, Untouched, false)]
    [InlineData("no local endpoints: external client to LB IP", External, RemoteLb, 80, Tcp, Drop, false)]
    [InlineData("no local endpoints: external client to NodePort", External, Node, 3007, Tcp, Drop, false)]
    [InlineData("no local endpoints: external client to externalIP", External, RemoteExtIp, 80, Tcp, Drop, false)]
    [InlineData("no local endpoints: pod on this node to LB IP", LocalPod, RemoteLb, 80, Tcp, Remote, false)]
    [InlineData("no local endpoints: pod elsewhere to NodePort", RemotePod, Node, 3007, Tcp, Remote, false)]
    [InlineData("no local endpoints: pod to externalIP", LocalPod, RemoteExtIp, 80, Tcp, Remote, false)]
    [InlineData("no local endpoints: node to NodePort", Node, Node, 3007, Tcp, Remote, true)]
    [InlineData("no local endpoints: node to LB IP", Node, RemoteLb, 80, Tcp, Remote, true)]
    [InlineData("no local endpoints: cluster IP from a pod", LocalPod, "172.30.0.47", 80, Tcp, Remote, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
