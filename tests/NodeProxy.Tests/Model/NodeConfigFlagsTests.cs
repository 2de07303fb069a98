using NodeProxy.Net;
using Xunit;

namespace NodeProxy.Tests.Model;

public sealed class NodeConfigFlagsTests
{
    [Fact]
    public void WithoutExternalIpCidrsEveryExternalIPIsHonoured() =>
        Assert.Null(TestPipeline.ParseFlags("--node-name n").ExternalIpCidrs);

    [Fact]
    public void ExternalIpCidrsTakeRepeatedAndCommaSeparatedValues()
    {
        var config = TestPipeline.ParseFlags("--node-name n --external-ip-cidrs 192.168.99.0/24,10.0.0.0/8 --external-ip-cidrs fd00::/8");

        Assert.Equal(["192.168.99.0/24", "10.0.0.0/8", "fd00::/8"], config.ExternalIpCidrs!.Value.Select(c => c.ToString()));
    }

    [Fact]
    public void NodeIPsAndCidrsAreCanonical()
    {
        var config = TestPipeline.ParseFlags("--node-name n --node-ip 192.168.000.002 --cluster-cidr 10.1.2.3/8");

        Assert.Equal("192.168.0.2", config.NodeIPs.Single().ToString());
        Assert.Equal("10.0.0.0/8", config.ClusterCidrs.Single().ToString());
        Assert.Equal(IpFamily.V4, config.ClusterCidrs.Single().Family);
    }
}
