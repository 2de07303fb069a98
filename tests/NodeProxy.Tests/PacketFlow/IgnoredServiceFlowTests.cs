using Xunit;
using static NodeProxy.Tests.PacketFlow.FlowAssert;
using static NodeProxy.Tests.PacketFlow.Hosts;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// Headless services (clusterIP None or the service.kubernetes.io/headless label), ExternalName
/// services and services labelled for another proxy (service.kubernetes.io/service-proxy-name)
/// get no rules: every packet to them is untouched.
/// </summary>
public sealed class IgnoredServiceFlowTests
{
    private static readonly FlowCluster Cluster = FlowCluster.Load("ignored");

    [Theory]
    [InlineData("ordinary service in the same fixture", LocalPod, "172.30.0.80", 80, Tcp, "10.180.0.4:80", false)]
    [InlineData("headless service's pod, directly", LocalPod, "10.180.0.1", 80, Tcp, Untouched, false)]
    [InlineData("headless-labelled service's cluster IP", LocalPod, "172.30.0.81", 80, Tcp, Untouched, false)]
    [InlineData("headless-labelled, from the node", Node, "172.30.0.81", 80, Tcp, Untouched, false)]
    [InlineData("ExternalName service's cluster IP", LocalPod, "172.30.0.82", 80, Tcp, Untouched, false)]
    [InlineData("other proxy's cluster IP", LocalPod, "172.30.0.83", 80, Tcp, Untouched, false)]
    [InlineData("other proxy's cluster IP, from the node", Node, "172.30.0.83", 80, Tcp, Untouched, false)]
    [InlineData("other proxy's NodePort", External, Node, 3083, Tcp, Untouched, false)]
    [InlineData("other proxy's externalIP", External, "192.168.99.83", 80, Tcp, Untouched, false)]
    public void Flow(string name, string source, string destination, int port, string protocol, string expected, bool masquerade) =>
        Row(Cluster, name, source, destination, port, protocol, expected, masquerade);

    [Fact]
    public void OnlyTheOrdinaryServiceIsModelled()
    {
        var model = Cluster.Pipeline.Model;

        Assert.Equal(["ns15/control:p80"], model.V4.Services.Select(s => s.Name.ToString()));
        Assert.Empty(model.V6.Services);
    }
}
