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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ARandomWalkOfObjectChangesAlwaysBuildsWhatAFreshBuildGives(int seed)
    {
        // The cache patches its slice grouping and reuses its service order when objects keep
        // their positions; every other kind of change must still come out as a fresh build.
        var random = new Random(seed);
        var services = Enumerable.Range(0, 40).Select(i => Service($"svc{i}", i)).ToList();
        var slices = Enumerable.Range(0, 40).Select(i => Slice($"svc{i}", $"10.244.{i}.1")).ToList();
        var cache = new ModelCache();
        var next = 40;
        for (var step = 0; step < 200; step++)
        {
            var fresh = next++;
            var at = random.Next(slices.Count);
            var service = $"svc{random.Next(services.Count + 5)}";
            switch (random.Next(8))
            {
                case 0:
                    slices[at] = Slice(ServiceOf(slices[at]), $"10.244.{fresh % 250}.{(fresh / 250) + 2}");
                    break;
                case 1:
                    // The same position, another Service: the slice moves between groups.
                    slices[at] = Slice(service, $"10.244.{fresh % 250}.7");
                    break;
                case 2:
                    slices.Insert(random.Next(slices.Count + 1), Slice(service, $"10.244.{fresh % 250}.8"));
                    break;
                case 3 when slices.Count > 1:
                    slices.RemoveAt(at);
                    break;
                case 4:
                    var index = random.Next(services.Count);
                    services[index] = Service(services[index].Metadata.Name, fresh % 1000);
                    break;
                case 5:
                    services.Insert(random.Next(services.Count + 1), Service($"svc{fresh}", fresh % 1000));
                    break;
                case 6 when services.Count > 1:
                    // Same objects, other positions: the order must not be taken from last time.
                    var a = random.Next(services.Count);
                    var b = random.Next(services.Count);
                    (services[a], services[b]) = (services[b], services[a]);
                    break;
                default:
                    (slices[at], slices[^1]) = (slices[^1], slices[at]);
                    break;
            }

            var cached = ModelBuilder.Build(Snapshot(services, slices), Config, cache);
            var plain = ModelBuilder.Build(Snapshot(services, slices), Config);
            Assert.Equal(Text(plain), Text(cached));
            Assert.Equal(plain.Problems.ToArray(), cached.Problems.ToArray());
        }
    }

    private static string ServiceOf(V1EndpointSlice slice) => slice.Metadata.Labels["kubernetes.io/service-name"];

    private static ClusterSnapshot Snapshot(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices) =>
        new([.. services], [.. slices], [], [Node("node-1", "192.168.56.11")]);

    private static string Text(ModelResult model) => RestoreText.Write(Renderer.Render(model.V4));
}
