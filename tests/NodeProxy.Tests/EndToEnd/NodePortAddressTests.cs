using System.Net;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>Which node addresses NodePorts answer on with --nodeport-addresses, seen from a client outside the cluster.</summary>
public sealed class NodePortAddressTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task IPv4OnlyRangesLeaveIPv6NodePortsAnsweringOnEveryAddress(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        var lab = cluster.Lab;
        await lab.AddPodAsync(lab.Node(2), "web6", IPAddress.Parse("10.244.2.30"), IPAddress.Parse("fd00:244:2::30"), 80);
        cluster.Manifests.Service("web6", "fd00:96::88", 88, nodePort: 30088).Endpoints("web6", "TCP", "fd00:244:2::30");
        await cluster.StartAgentAsync(null, "--nodeport-addresses", "192.168.56.0/24");

        var replies = await ManyAsync(3, () => lab.Client("client").TcpRequestAsync(At("fd00:56::11", 30088)));

        AllAnswered(replies);
        Assert.All(replies, r => Assert.Equal("web6", r.Pod));
    }
}
