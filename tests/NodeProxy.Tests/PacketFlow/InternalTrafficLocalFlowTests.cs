using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// internalTrafficPolicy Local: the cluster IP reaches local endpoints only, or is dropped when
/// there are none. NodePorts are external traffic and are unaffected.
/// </summary>
public sealed class InternalTrafficLocalFlowTests
{
    private const string Svc8 = "172.30.0.48";
    private const string Local = "10.180.0.1:80, 10.180.0.2:80";
    private const string All = "10.180.0.1:80, 10.180.0.2:80, 10.180.2.1:80";
    private const string Remote = "172.30.0.49";

    private static readonly FlowCluster Cluster = FlowCluster.Load("itp-local");

    [Theory]
    [InlineData("pod on this node to cluster IP", LocalPod, Svc8, 80, Tcp, Local, false)]
    [InlineData("pod elsewhere to cluster IP", RemotePod, Svc8, 80, Tcp, Local, false)]
    [InlineData("node to cluster IP", Node, Svc8, 80, Tcp, Local, true)]
    [InlineData("localhost to cluster IP", Localhost, Svc8, 80, Tcp, Local, true)]
    [InlineData("external client to cluster IP", External, Svc8, 80, Tcp, Local, true)]
    [InlineData("external client to NodePort", External, Node, 3008, Tcp, All, true)]
    [InlineData("pod to NodePort", LocalPod, Node, 3008, Tcp, All, true)]
    [InlineData("node to NodePort", Node, Node, 3008, Tcp, All, true)]
    [InlineData("no local endpoints: pod to cluster IP", LocalPod, Remote, 80, Tcp, Drop, false)]
    [InlineData("no local endpoints: pod elsewhere to cluster IP", RemotePod, Remote, 80, Tcp, Drop, false)]
    [InlineData("no local endpoints: node to cluster IP", Node, Remote, 80, Tcp, Drop, false)]
    [InlineData("no local endpoints: external client to NodePort", External, Node, 3009, Tcp, "10.180.2.2:80", true)]
    [InlineData("no local endpoints: pod to NodePort", LocalPod, Node, 3009, Tcp, "10.180.2.2:80", true)]
    [InlineData("ClusterIP-only service", LocalPod, "172.30.0.50", 80, Tcp, "10.180.0.3:80", false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);
}
