using NodeProxy.Model;
using Xunit;

namespace NodeProxy.Tests.Validation;

/// <summary>--service-node-port-range and --service-cluster-ip-range, as kube-apiserver takes them.</summary>
public sealed class RangeFlagTests
{
    [Fact]
    public void TheNodePortRangeDefaultsToKubeApiserversAndNoServiceRangeIsChecked()
    {
        var config = TestPipeline.ParseFlags("--node-name n");

        Assert.Equal(new PortRange(30000, 32767), config.NodePortRange);
        Assert.Empty(config.ServiceCidrs);
    }

    [Fact]
    public void BothRangesAreRead()
    {
        var config = TestPipeline.ParseFlags("--node-name n --service-node-port-range 20000-22767 --service-cluster-ip-range 10.96.0.0/12,fd00:96::/108");

        Assert.Equal(new PortRange(20000, 22767), config.NodePortRange);
        Assert.Equal(["10.96.0.0/12", "fd00:96::/108"], config.ServiceCidrs.Select(c => c.ToString()));
    }

    [Theory]
    [InlineData("--service-node-port-range 32767-30000")]
    [InlineData("--service-node-port-range 0-100")]
    [InlineData("--service-node-port-range 30000-70000")]
    [InlineData("--service-node-port-range many")]
    [InlineData("--service-cluster-ip-range 10.96.0.0/12,10.100.0.0/16")]
    [InlineData("--service-cluster-ip-range 10.96.0.0/99")]
    public void ABadRangeIsRefusedWithTheFlagNamed(string flags)
    {
        var error = Assert.Throws<ArgumentException>(() => TestPipeline.ParseFlags("--node-name n " + flags));

        Assert.Contains(flags.Split(' ')[0], error.Message, StringComparison.Ordinal);
    }
}
