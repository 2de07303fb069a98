using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Tests.Diff;
using NodeProxy.Trace;
using Xunit;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// Past <see cref="Renderer.HairpinFlatMax"/> local pod IPs the hairpin check is split by the
/// destination's last byte; a pod reaching itself must still be masqueraded, and only then.
/// </summary>
public sealed class ManyLocalPodsHairpinTests
{
    // Every service has two endpoints on this node and one elsewhere: 600 local pod IPs.
    private static readonly NodeModel Model = SyntheticModel.Create(300, endpointsPerService: 3, mix: new ClusterMix(NodePortEvery: 0, AffinityEvery: 0, LocalEvery: 1)) with
    {
        Services = [.. SyntheticModel.Create(300, endpointsPerService: 3, mix: new ClusterMix(NodePortEvery: 0, AffinityEvery: 0, LocalEvery: 1)).Services
            .Select(p => p with { NodePort = null, ExternalPolicyLocal = false, HealthCheckNodePort = null, LocalEndpoints = [] })],
    };

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(255)]
    [InlineData(299)]
    public void APodReachingItselfThroughItsServiceIsMasqueradedAndOnlyThen(int service)
    {
        var rules = Renderer.Render(Model);
        var nat = rules.Tables.Single(t => t.Name == "nat");
        Assert.InRange(nat.Find(ChainNames.Hairpin)!.Rules.Length, 1, 16);
        Assert.NotNull(nat.Find(ChainNames.HairpinBucket(0)));
        var port = Model.Services[service];
        var self = port.ClusterEndpoints.First(e => e.IsLocal);

        var trace = PacketTracer.Trace(rules, new TraceContext(new HashSet<IPAddress> { IPAddress.Parse("192.168.0.2") }), new Packet(self.Address, port.ClusterIP, port.Port, Protocol.Tcp));

        Assert.Equal(3, trace.Outcomes.Length);
        foreach (var outcome in trace.Outcomes)
        {
            Assert.Equal(outcome.DnatEndpoint == self.ToString(), outcome.Masqueraded);
        }
    }
}
