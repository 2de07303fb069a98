using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// sessionAffinity ClientIP. The tracer cannot know which endpoint a client was recorded for,
/// so it models two cases. affinityRecorded=false, a first contact: no "recent --rcheck" rule
/// matches and the packet is load-balanced over every endpoint, as in kube-proxy's tests (which
/// never match "recent"). affinityRecorded=true: every rcheck matches, so the first one reached
/// wins; endpoints are ordered by address, so that is the lowest endpoint of the chain walked,
/// with certainty. A real client sticks to whichever endpoint it was first sent to.
/// </summary>
public sealed class AffinityFlowTests
{
    private const string Svc9 = "172.30.0.49";
    private const string All = "10.180.0.1:80, 10.180.1.1:80, 10.180.2.1:80";
    private const string First = "10.180.0.1:80";
    private const string EtpLocalEndpoints = "10.180.0.5:80, 10.180.0.6:80";
    private const string EtpFirst = "10.180.0.5:80";

    private static readonly FlowCluster Cluster = FlowCluster.Load("affinity");

    [Theory]
    [InlineData("first contact from a pod", LocalPod, Svc9, 80, Tcp, false, All, false)]
    [InlineData("recorded pod", LocalPod, Svc9, 80, Tcp, true, First, false)]
    [InlineData("recorded pod elsewhere", RemotePod, Svc9, 80, Tcp, true, First, false)]
    [InlineData("first contact from the node", Node, Svc9, 80, Tcp, false, All, true)]
    [InlineData("recorded node", Node, Svc9, 80, Tcp, true, First, true)]
    [InlineData("recorded localhost", Localhost, Svc9, 80, Tcp, true, First, true)]
    [InlineData("first contact from an external client to NodePort", External, Node, 3009, Tcp, false, All, true)]
    [InlineData("recorded external client to NodePort", External, Node, 3009, Tcp, true, First, true)]
    [InlineData("eTP Local: first contact from an external client", External, Node, 3059, Tcp, false, EtpLocalEndpoints, false)]
    [InlineData("eTP Local: recorded external client", External, Node, 3059, Tcp, true, EtpFirst, false)]
    [InlineData("eTP Local: first contact from a pod (short-circuit)", LocalPod, Node, 3059, Tcp, false, "10.180.0.5:80, 10.180.0.6:80, 10.180.2.5:80", false)]
    [InlineData("eTP Local: recorded pod (short-circuit)", LocalPod, Node, 3059, Tcp, true, EtpFirst, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, bool affinityRecorded, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade, affinityRecorded);
}
