using System.Net;
using NodeProxy.Apply;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Sync;
using NodeProxy.Tests.Diff;
using NodeProxy.Tests.Kernel;
using NodeProxy.Trace;
using Xunit;

namespace NodeProxy.Tests.Rendering;

/// <summary>
/// Past a few dozen, health check ports and hairpin checks are split into sub-chains; every packet
/// into the node walks the health check chain, so its length is what a first packet pays.
/// </summary>
public sealed class ManyHealthPortsTests
{
    // 200 services, each eTP Local with a health check port (above the NodePorts) and 2 endpoints on this node.
    private static readonly NodeModel Model = SyntheticModel.Create(200, mix: new ClusterMix(NodePortEvery: 0, AffinityEvery: 0, LocalEvery: 1)) with
    {
        Services = [.. SyntheticModel.Create(200, mix: new ClusterMix(NodePortEvery: 0, AffinityEvery: 0, LocalEvery: 1)).Services
            .Select((p, i) => p with { HealthCheckNodePort = 30_300 + (i * 37 % 2400) })],
    };

    [Fact]
    public void EveryHealthCheckPortIsStillAcceptedAndAPacketWalksFewRules()
    {
        var rules = Renderer.Render(Model);
        var filter = rules.Tables.Single(t => t.Name == "filter");
        Assert.InRange(filter.Find(ChainNames.NodePorts)!.Rules.Length, 2, 2700 / Renderer.HealthPortBlock + 1);

        var node = IPAddress.Parse("192.168.0.2");
        foreach (var port in Model.Services.Select(p => p.HealthCheckNodePort!.Value))
        {
            var trace = PacketTracer.Trace(rules, new TraceContext(new HashSet<IPAddress> { node }), new Packet(IPAddress.Parse("192.168.0.9"), node, port, Protocol.Tcp));
            var outcome = Assert.Single(trace.Outcomes);
            Assert.True(outcome.IsDelivered);
            Assert.Contains(outcome.Steps, s => s.Table == "filter" && s.Comment?.EndsWith("health check node port", StringComparison.Ordinal) == true);
            Assert.True(outcome.Steps.Count(s => s.Table == "filter") < 60, $"port {port}: {outcome.Steps.Count(s => s.Table == "filter")} filter rules walked");
        }
    }

    [Theory]
    [InlineData(IptablesBackend.Nft)]
    [InlineData(IptablesBackend.Legacy)]
    public async Task TheSplitChainsLoadAndReadBackAsRenderedSoARestartWritesNothing(IptablesBackend backend)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tables = new IptablesTool(IpFamily.V4, backend, ["ip", "netns", "exec", ns.Name]);
        var wanted = Renderer.Render(Model);
        Assert.True((await new FamilySyncer(tables).SyncAsync(wanted, full: false)).Succeeded);

        var adopted = await new FamilySyncer(tables).SyncAsync(wanted, full: false);

        Assert.True(adopted.Succeeded, adopted.Error);
        Assert.Equal("", adopted.Batch.Text);
    }
}
