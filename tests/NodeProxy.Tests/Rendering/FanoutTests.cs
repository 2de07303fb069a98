using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Tests.Diff;
using Xunit;

namespace NodeProxy.Tests.Rendering;

/// <summary>
/// A cold start reads and renders every Service on all the node's cores (<see cref="Fanout"/>);
/// what it gives must be exactly what the same cluster gives when it arrives a few Services at a
/// time, each batch read and rendered on one thread.
/// </summary>
public sealed class FanoutTests
{
    private const int Services = 2_000;
    private const int Step = 100; // below Fanout.MinItems: one thread

    [Fact]
    public void AClusterReadAndRenderedAcrossTheCoresIsTheSameAsOneBuiltUpAFewServicesAtATime()
    {
        Assert.True(Services >= Fanout.MinItems * 2 && Step < Fanout.MinItems);
        var config = new NodeConfig(SyntheticModel.NodeName) { ClusterCidrs = [IpNet.Parse(SyntheticCluster.ClusterCidr)], NodePortRange = SyntheticCluster.NodePorts };

        var cold = ModelBuilder.Build(Snapshot(Services), config);
        var coldRules = RestoreText.Write(new RenderCache().Render(cold.For(IpFamily.V4)));

        var models = new ModelCache();
        var renders = new RenderCache();
        string? grownRules = null;
        for (var count = Step; count <= Services; count += Step)
        {
            var grown = ModelBuilder.Build(Snapshot(count), config, models);
            Assert.Equal(Step, models.LastRead);
            grownRules = RestoreText.Write(renders.Render(grown.For(IpFamily.V4)));
            Assert.Equal(Step, renders.LastRendered);
        }

        Assert.Empty(cold.Problems);
        Assert.Equal(Services, cold.V4.Services.Length);
        Assert.Equal(grownRules, coldRules);
    }

    private static readonly k8s.Models.V1Service[] AllServices = [.. Enumerable.Range(0, Services).Select(SyntheticCluster.Service)];
    private static readonly k8s.Models.V1EndpointSlice[] AllSlices = [.. Enumerable.Range(0, Services).Select(i => SyntheticCluster.Slice(i))];

    /// <summary>The first <paramref name="count"/> Services, the same objects every time, as an informer's store keeps them.</summary>
    private static ClusterSnapshot Snapshot(int count) =>
        new([.. AllServices.Take(count)], [.. AllSlices.Take(count)], [], [SyntheticCluster.Node()]);
}
