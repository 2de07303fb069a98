using NodeProxy.Lab;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>examples/nginx for real: node-1 runs nodeproxy, the other pods live on node-2 and node-3.</summary>
public sealed class ExampleClusterTests(ITestOutputHelper output)
{
    private static readonly string[] Nginx = ["nginx-7c5ddbdf54-4xk2p", "nginx-7c5ddbdf54-9fzqm", "nginx-7c5ddbdf54-t8bwl"];

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task TheExampleWorks(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        await cluster.StartAgentAsync(TestPaths.Examples + "/nginx");
        var lab = cluster.Lab;

        // ClusterIP 88 from a pod: all three pods over 30 connections, none masqueraded.
        var replies = await ManyAsync(30, () => lab.Pod("nginx-test").TcpRequestAsync(At("10.96.0.88", 88)));
        Assert.All(replies, r => Assert.Equal(ReplyOutcome.Answered, r.Outcome));
        Assert.Equal(Nginx, replies.Select(r => r.Pod).Distinct().Order());
        Assert.All(replies, r => Assert.Equal("10.244.1.20", r.Peer));

        // From the node itself too.
        Assert.Equal(ReplyOutcome.Answered, (await cluster.Node1.TcpRequestAsync(At("10.96.0.88", 88))).Outcome);

        // NodePort 30000 and hostPort 8081 from outside, masqueraded to the node.
        var client = lab.Client("client");
        var nodePort = await ManyAsync(10, () => client.TcpRequestAsync(At("192.168.56.11", 30000)));
        Assert.All(nodePort, r => Assert.Equal(ReplyOutcome.Answered, r.Outcome));
        Assert.All(nodePort, r => Assert.NotEqual("192.168.56.100", r.Peer));
        var hostPort = await client.TcpRequestAsync(At("192.168.56.11", 8081));
        Assert.Equal(ReplyOutcome.Answered, hostPort.Outcome);
        Assert.Equal("nginx-test", hostPort.Pod);

        // Hairpin: a pod reaching itself through its service is masqueraded, or its own reply
        // would go straight back to it, un-NATed.
        var hairpin = await ManyAsync(40, () => lab.Pod(Nginx[0]).TcpRequestAsync(At("10.96.0.88", 88)));
        Assert.All(hairpin, r => Assert.Equal(ReplyOutcome.Answered, r.Outcome));
        var self = hairpin.Where(r => r.Pod == Nginx[0]).ToList();
        Assert.NotEmpty(self);
        Assert.All(self, r => Assert.NotEqual("10.244.1.10", r.Peer));
        Assert.All(hairpin.Where(r => r.Pod != Nginx[0]), r => Assert.Equal("10.244.1.10", r.Peer));

        output.WriteLine(await cluster.NatTableAsync());
    }
}
