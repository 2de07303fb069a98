using System.Collections.Immutable;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using Xunit;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Model;

/// <summary>A build through the cache must be the build without it, reading only what changed.</summary>
public sealed class ModelCacheTests
{
    private static readonly NodeConfig Config = new("node-1") { ClusterCidrs = [IpNet.Parse("10.244.0.0/16")] };

    [Fact]
    public void OnlyServicesWhoseObjectsWereReplacedAreReadAgainAndTheModelIsTheSame()
    {
        var services = Enumerable.Range(0, 50).Select(i => Service($"svc{i}", i)).ToList();
        var slices = Enumerable.Range(0, 50).Select(i => Slice($"svc{i}", $"10.244.{i}.1", $"10.244.{i}.2")).ToList();
        var cache = new ModelCache();
        var first = ModelBuilder.Build(Snapshot(services, slices), Config, cache);
        Assert.Equal(50, cache.LastRead);

        var again = ModelBuilder.Build(Snapshot(services, slices), Config, cache);
        Assert.Equal(0, cache.LastRead);
        Assert.Equal(Text(first), Text(again));

        // An informer replaces the object that changed: a new slice for svc7, a new svc9, svc3 gone.
        slices[7] = Slice("svc7", "10.244.7.9");
        services[9] = Service("svc9", 9, new Dictionary<string, string> { ["changed"] = "yes" });
        services.RemoveAt(3);
        var changed = ModelBuilder.Build(Snapshot(services, slices), Config, cache);

        Assert.Equal(2, cache.LastRead);
        Assert.Equal(Text(ModelBuilder.Build(Snapshot(services, slices), Config)), Text(changed));
        Assert.Contains("10.244.7.9", Text(changed), StringComparison.Ordinal);
        Assert.DoesNotContain("svc3:", Text(changed), StringComparison.Ordinal);
    }

    [Fact]
    public void AProblemOfACachedServiceIsStillReported()
    {
        var bad = Slice("svc1", "not-an-ip");
        var snapshot = Snapshot([Service("svc1", 1)], [bad]);
        var cache = new ModelCache();

        var first = ModelBuilder.Build(snapshot, Config, cache);
        var second = ModelBuilder.Build(snapshot, Config, cache);

        Assert.Equal(0, cache.LastRead);
        Assert.NotEmpty(first.Problems);
        Assert.Equal(first.Problems.ToArray(), second.Problems.ToArray());
    }

    [Fact]
    public void ANewNodeConfigReadsEverythingAgain()
    {
        var snapshot = Snapshot([Service("svc1", 1), Service("svc2", 2)], [Slice("svc1", "10.244.1.1")]);
        var cache = new ModelCache();
        ModelBuilder.Build(snapshot, Config, cache);

        ModelBuilder.Build(snapshot, Config with { NodeName = "node-2" }, cache);

        Assert.Equal(2, cache.LastRead);
    }

    private static ClusterSnapshot Snapshot(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices) =>
        new([.. services], [.. slices], [], [Node("node-1", "192.168.56.11")]);

    private static string Text(ModelResult model) => RestoreText.Write(Renderer.Render(model.V4));
}
