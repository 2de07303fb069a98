using k8s.Models;
using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Sources;

public sealed class PodEndpointSlicesTests
{
    private static readonly ManifestLoad Derive = ManifestSource.Load(SourcePaths.Fixture("derive"), trim: false);

    private static List<V1EndpointSlice> SlicesOf(string service) =>
        Derive.Snapshot.EndpointSlices
            .Where(s => s.Metadata.Labels[PodEndpointSlices.ServiceNameLabel] == service)
            .ToList();

    [Fact]
    public void OnlyTheSelectorMatchingNothingIsReported()
    {
        var problem = Assert.Single(Derive.Problems);
        Assert.Equal("SelectorMatchesNoPods", problem.Reason);
        Assert.Contains("app=ghost", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelectedRunningPodsBecomeEndpoints()
    {
        var slice = Assert.Single(SlicesOf("web"));

        Assert.Equal("web-derived-ipv4", slice.Metadata.Name);
        Assert.Equal("default", slice.Metadata.NamespaceProperty);
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal(PodEndpointSlices.ManagedBy, slice.Metadata.Labels[PodEndpointSlices.ManagedByLabel]);
        Assert.Equal(["10.244.1.11", "10.244.2.11", "10.244.3.11"], slice.Endpoints.Select(e => e.Addresses.Single()));
        Assert.Equal(["node-1", "node-2", "node-3"], slice.Endpoints.Select(e => e.NodeName));
        Assert.Equal(["web-1", "web-2", "web-3"], slice.Endpoints.Select(e => e.TargetRef.Name));
        Assert.All(slice.Endpoints, e => Assert.True(e.Conditions.Ready));
        // An int targetPort is used as is; an absent one means the service port.
        Assert.Equal([("http", "TCP", 8080), ("admin", "TCP", 9000)], slice.Ports.Select(p => (p.Name, p.Protocol, p.Port)));
    }

    [Fact]
    public void NamedTargetPortResolvesPerPod()
    {
        var byPort = SlicesOf("named").ToDictionary(
            s => s.Ports.SingleOrDefault()?.Port ?? 0,
            s => s.Endpoints.Select(e => e.TargetRef.Name).ToList());

        Assert.Equal(["named-1", "named-4"], byPort[8080]);
        Assert.Equal(["named-2"], byPort[8081]);
        // named-3 names its port "http" too, but for UDP: no port for this TCP Service.
        Assert.Equal(["named-3"], byPort[0]);
        Assert.Equal(["named-derived-ipv4", "named-derived-ipv4-2", "named-derived-ipv4-3"], SlicesOf("named").Select(s => s.Metadata.Name));
    }

    [Fact]
    public void ConditionsFollowThePods()
    {
        var conditions = Assert.Single(SlicesOf("readiness")).Endpoints.ToDictionary(
            e => e.TargetRef.Name,
            e => (e.Conditions.Ready, e.Conditions.Serving, e.Conditions.Terminating));

        Assert.Equal((true, true, false), conditions["ready"]);
        Assert.Equal((false, false, false), conditions["not-ready"]);
        Assert.Equal((true, true, false), conditions["bare"]);
        Assert.Equal((false, true, true), conditions["stopping"]);
    }

    [Fact]
    public void SelectorMatchingNothingGivesAnEmptySlice()
    {
        var slice = Assert.Single(SlicesOf("ghost"));

        Assert.Empty(slice.Endpoints);
    }

    [Fact]
    public void SliceFromTheManifestsIsKept()
    {
        var slice = Assert.Single(SlicesOf("api"));

        Assert.Equal("api-manual", slice.Metadata.Name);
        Assert.Equal("10.244.9.1", slice.Endpoints.Single().Addresses.Single());
    }

    [Fact]
    public void ServicesWithoutPodsToSelectGetNoSlice()
    {
        Assert.Empty(SlicesOf("external"));
        Assert.Empty(SlicesOf("manual"));
    }

    [Fact]
    public void DualStackServiceGetsOneSlicePerFamily()
    {
        var slices = SlicesOf("dual");

        Assert.Equal([("IPv4", "10.244.1.41"), ("IPv6", "fd00:244:1::41")], slices.Select(s => (s.AddressType, s.Endpoints.Single().Addresses.Single())));
        Assert.All(slices, s => Assert.Equal(("dns", "UDP", 53), (s.Ports.Single().Name, s.Ports.Single().Protocol, s.Ports.Single().Port)));
    }

    [Fact]
    public void MoreThanAHundredPodsAreSplitAcrossSlices()
    {
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "big", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec { ClusterIP = "10.96.0.1", Selector = new Dictionary<string, string> { ["app"] = "big" }, Ports = [new V1ServicePort { Port = 80 }] },
        };
        var pods = Enumerable.Range(1, 150).Select(i => new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = $"big-{i}", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = "big" } },
            Status = new V1PodStatus { PodIP = $"10.244.{i / 200}.{i % 200}" },
        }).ToList();

        var slices = PodEndpointSlices.Derive([service], [], pods);

        Assert.Equal([100, 50], slices.Select(s => s.Endpoints.Count));
    }
}
