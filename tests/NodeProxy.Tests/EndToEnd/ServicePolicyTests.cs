using System.Diagnostics;
using NodeProxy.Lab;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>What a client notices of no endpoints, traffic policies and affinity, with real traffic.</summary>
public sealed class ServicePolicyTests(ITestOutputHelper output)
{
    private const string Local = "nginx-7c5ddbdf54-4xk2p";

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task AServiceWithoutEndpointsRefusesAtOnce(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        cluster.Manifests.Service("empty", "10.96.0.50", 80, nodePort: 30050);
        await cluster.StartAgentAsync();

        foreach (var (host, target) in new[] { ((LabHost)cluster.Lab.Pod("nginx-test"), At("10.96.0.50", 80)), (cluster.Lab.Client("client"), At("192.168.56.11", 30050)) })
        {
            var clock = Stopwatch.StartNew();
            var reply = await host.TcpRequestAsync(target);
            Assert.Equal(ReplyOutcome.Refused, reply.Outcome);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"refused only after {clock.Elapsed}");
        }
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task LocalPolicyKeepsTheClientAddressAndClusterPolicyMasquerades(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        cluster.Manifests
            .Service("local", "10.96.0.60", 80, nodePort: 30060, localPolicy: true).Endpoints("local", "TCP", "10.244.1.10", "10.244.2.10")
            .Service("cluster", "10.96.0.61", 80, nodePort: 30061).Endpoints("cluster", "TCP", "10.244.1.10", "10.244.2.10");
        await cluster.StartAgentAsync();
        var client = cluster.Lab.Client("client");

        var local = await ManyAsync(12, () => client.TcpRequestAsync(At("192.168.56.11", 30060)));
        var clustered = await ManyAsync(12, () => client.TcpRequestAsync(At("192.168.56.11", 30061)));

        AllAnswered(local);
        Assert.All(local, r => Assert.Equal((Local, "192.168.56.100"), (r.Pod, r.Peer)));
        AllAnswered(clustered);
        Assert.Equal(2, clustered.Select(r => r.Pod).Distinct().Count());
        Assert.All(clustered, r => Assert.NotEqual("192.168.56.100", r.Peer));
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task ClientIPAffinityKeepsAClientOnOnePod(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        cluster.Manifests
            .Service("sticky", "10.96.0.70", 80, nodePort: 30070, affinity: true).Endpoints("sticky", "TCP", "10.244.1.10", "10.244.2.10", "10.244.3.10")
            .Service("loose", "10.96.0.71", 80).Endpoints("loose", "TCP", "10.244.1.10", "10.244.2.10", "10.244.3.10");
        await cluster.StartAgentAsync();

        var fromPod = await ManyAsync(20, () => cluster.Lab.Pod("nginx-test").TcpRequestAsync(At("10.96.0.70", 80)));
        var fromOutside = await ManyAsync(20, () => cluster.Lab.Client("client").TcpRequestAsync(At("192.168.56.11", 30070)));
        var without = await ManyAsync(20, () => cluster.Lab.Pod("nginx-test").TcpRequestAsync(At("10.96.0.71", 80)));

        AllAnswered(fromPod.Concat(fromOutside).Concat(without));
        Assert.Single(fromPod.Select(r => r.Pod).Distinct());
        Assert.Single(fromOutside.Select(r => r.Pod).Distinct());
        Assert.True(without.Select(r => r.Pod).Distinct().Count() > 1, "without affinity the same 20 connections spread");
    }
}
