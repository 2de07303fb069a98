using NodeProxy.Lab;
using NodeProxy.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.Hostile;

/// <summary>
/// Hostile cases in the example cluster's lab, with real traffic: the valid Services keep
/// answering from their own endpoints, and what a refused Service claimed is not taken.
/// 10.244.3.10 (the pod on node-3) is the endpoint of every refused Service.
/// </summary>
public sealed class HostileTrafficTests(ITestOutputHelper output)
{
    private const string Web = "nginx-7c5ddbdf54-4xk2p";
    private const string Web2 = "nginx-7c5ddbdf54-9fzqm";

    [Fact]
    public async Task AServiceDefinedTwiceOrOnATakenClusterIPOrNodePortDivertsNothing()
    {
        await using var cluster = await CreateAsync("nft", output);
        await cluster.StartAgentAsync(HostileCase.Named("duplicates").Input);

        var web = await ManyAsync(20, () => cluster.Node1.TcpRequestAsync(At("10.96.0.10", 80)));
        var web2 = await ManyAsync(20, () => cluster.Lab.Pod("nginx-test").TcpRequestAsync(At("10.96.0.11", 80)));
        var web3 = await ManyAsync(20, () => cluster.Lab.Client("client").TcpRequestAsync(At("192.168.56.11", 30080)));

        AllAnswered(web);
        AllAnswered(web2);
        AllAnswered(web3);
        Assert.All(web, r => Assert.Equal(Web, r.Pod));
        Assert.All(web2, r => Assert.Equal(Web2, r.Pod));
        Assert.All(web3, r => Assert.Equal(Web2, r.Pod));
    }

    [Fact]
    public async Task AClusterIPOnTheNodesAddressDoesNotTakeItsPort22()
    {
        await using var cluster = await CreateAsync("legacy", output);
        // Without --service-cluster-ip-range: the node's own address is refused on its own account.
        await cluster.StartAgentAsync(HostileCase.Named("addresses").Input);
        var client = cluster.Lab.Client("client");

        var ssh = await client.TcpRequestAsync(At("192.168.56.11", 22));
        var web = await ManyAsync(10, () => cluster.Node1.TcpRequestAsync(At("10.96.0.10", 80)));
        var bareMetal = await ManyAsync(10, () => client.TcpRequestAsync(At("192.168.56.11", 8080)));

        // Nothing listens on node-1's port 22: the connection is refused there, not answered by the thief's endpoint.
        Assert.Equal(ReplyOutcome.Refused, ssh.Outcome);
        Assert.All(web, r => Assert.Equal(Web, r.Pod));
        Assert.All(bareMetal, r => Assert.Equal(Web2, r.Pod));
    }
}
