using Xunit;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// The fixture clusters load as intended: a typo in a manifest would otherwise silently turn
/// "untouched" rows into passes.
/// </summary>
public sealed class FlowFixtureTests
{
    [Theory]
    [InlineData("clusterip", 3, "")]
    [InlineData("nodeport", 2, "")]
    [InlineData("nodeport-localhost", 2, "")]
    [InlineData("externalips", 3, "ExternalIPNotAllowed, ExternalIPNotAllowed")]
    [InlineData("loadbalancer", 3, "")]
    [InlineData("sourceranges", 2, "")]
    [InlineData("etp-local", 2, "")]
    [InlineData("etp-cluster", 1, "")]
    [InlineData("itp-local", 3, "")]
    [InlineData("affinity", 2, "")]
    [InlineData("no-endpoints", 4, "")]
    [InlineData("terminating", 5, "")]
    [InlineData("topology", 4, "")]
    [InlineData("hairpin", 4, "")]
    [InlineData("masquerade-all", 2, "")]
    [InlineData("ignored", 1, "")]
    [InlineData("hostport", 0, "")]
    [InlineData("ipv6", 1, "")]
    public void FixtureLoads(string feature, int v4ServicePorts, string problemReasons)
    {
        var cluster = FlowCluster.Load(feature);

        Assert.Equal(problemReasons, string.Join(", ", cluster.Pipeline.Problems.Select(p => p.Reason)));
        Assert.Equal(v4ServicePorts, cluster.Pipeline.Model.V4.Services.Length);
        Assert.Equal(["192.168.0.2"], cluster.Pipeline.Model.V4.NodeIPs.Select(ip => ip.ToString()).Where(ip => ip != "192.168.1.2"));
        Assert.Equal(["2001:db8::1"], cluster.Pipeline.Model.V6.NodeIPs.Select(ip => ip.ToString()));
    }

    [Fact]
    public void HostPortFixtureMapsOnlyThisNodesPods()
    {
        var model = FlowCluster.Load("hostport").Pipeline.Model.V4;

        Assert.Equal(["ns16/dns", "ns16/pinned", "ns16/web"], model.HostPorts.Select(m => m.PodRef).Order(StringComparer.Ordinal));
        Assert.Contains("192.168.1.2", model.NodeIPs.Select(ip => ip.ToString()));
    }
}
