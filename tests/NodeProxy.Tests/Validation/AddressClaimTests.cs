using System.Net;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using Xunit;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Validation;

/// <summary>
/// Addresses that are not a Service's to take: this node's own, outside the service range, or
/// another Service's cluster IP or node port. Checked on every build, through the model cache.
/// </summary>
public sealed class AddressClaimTests
{
    private static readonly NodeConfig Config = new("node-1") { ClusterCidrs = [IpNet.Parse("10.244.0.0/16")] };

    [Fact]
    public void AClusterIPOnANodeAddressIsRefusedAndAnExternalIPThereIsKept()
    {
        var thief = WithClusterIP(Service("thief", 1), "192.168.56.11");
        var bareMetal = Service("bare-metal", 2);
        bareMetal.Spec.ExternalIPs = ["192.168.56.11"];

        var model = ModelBuilder.Build(Snapshot([thief, bareMetal]), Config);

        Assert.Contains(model.Problems, p => p is { Object: "default/thief", Reason: "ClusterIPIsNodeAddress" });
        Assert.Equal(["default/bare-metal"], Services(model));
        Assert.Equal(["192.168.56.11"], model.V4.Services.Single().ExternalIPs.Select(ip => ip.ToString()));
    }

    [Fact]
    public void NodeIPFlagAddressesAreTheNodesToo()
    {
        var config = Config with { NodeIPs = [IPAddress.Parse("10.96.0.2")] };

        var model = ModelBuilder.Build(Snapshot([Service("a", 0), Service("b", 1)]), config);

        Assert.Equal(["default/a"], Services(model));
        Assert.Contains(model.Problems, p => p is { Object: "default/b", Reason: "ClusterIPIsNodeAddress" });
    }

    [Fact]
    public void ACachedServiceIsCheckedAgainWhenTheNodesAddressesChange()
    {
        var services = new[] { Service("a", 0), Service("b", 1) };
        var cache = new ModelCache();
        Assert.Equal(2, Services(ModelBuilder.Build(Snapshot(services), Config, cache)).Length);

        var moved = new ClusterSnapshot([.. services], [], [], [Node("node-1", "10.96.0.2")]);
        var model = ModelBuilder.Build(moved, Config, cache);

        Assert.Equal(["default/a"], Services(model));
    }

    [Fact]
    public void WithAServiceRangeAClusterIPOutsideItIsRefused()
    {
        var config = Config with { ServiceCidrs = [IpNet.Parse("10.96.0.0/24")] };
        var outside = WithClusterIP(Service("outside", 5), "192.168.56.50");

        var model = ModelBuilder.Build(Snapshot([Service("inside", 1), outside]), config);

        Assert.Equal(["default/inside"], Services(model));
        Assert.Contains(model.Problems, p => p is { Object: "default/outside", Reason: "ClusterIPOutsideServiceRange" });
    }

    [Fact]
    public void OfTwoServicesOnOneClusterIPPortTheEarlierCreatedKeepsIt()
    {
        var early = Created(WithClusterIP(Service("zz-early", 1), "10.96.0.9"), 2020);
        var late = Created(WithClusterIP(Service("aa-late", 2), "10.96.0.9"), 2030);

        var model = ModelBuilder.Build(Snapshot([late, early]), Config);

        Assert.Equal(["default/zz-early"], Services(model));
        var problem = Assert.Single(model.Problems, p => p.Reason == "DuplicateClusterIP");
        Assert.Equal("default/aa-late", problem.Object);
        Assert.Contains("clusterIP 10.96.0.9 is already allocated to default/zz-early", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutTimestampsTheFirstByNamespaceAndNameKeepsIt()
    {
        var model = ModelBuilder.Build(Snapshot([WithClusterIP(Service("b", 1), "10.96.0.9"), WithClusterIP(Service("a", 2), "10.96.0.9")]), Config);

        Assert.Equal(["default/a"], Services(model));
    }

    [Fact]
    public void ACachedServiceCannotKeepAClusterIPPortAnEarlierServiceNowClaims()
    {
        var late = Created(WithClusterIP(Service("late", 1), "10.96.0.9"), 2030);
        var cache = new ModelCache();
        Assert.Equal(["default/late"], Services(ModelBuilder.Build(Snapshot([late]), Config, cache)));

        var early = Created(WithClusterIP(Service("early", 2), "10.96.0.9"), 2020);
        var both = Snapshot([late, early]);
        var cached = ModelBuilder.Build(both, Config, cache);

        Assert.Equal(1, cache.LastRead);
        Assert.Equal(["default/early"], Services(cached));
        Assert.Equal(Text(ModelBuilder.Build(both, Config)), Text(cached));

        // The earlier one goes: the later one is programmed again, from its cached entry.
        var alone = ModelBuilder.Build(Snapshot([late]), Config, cache);
        Assert.Equal(["default/late"], Services(alone));
        Assert.DoesNotContain(alone.Problems, p => p.Reason == "DuplicateClusterIP");
    }

    [Fact]
    public void TheSameClusterIPOnAnotherPortAndProtocolIsStillTaken()
    {
        // The API server allocates the address, not the port: a Service on another's cluster IP
        // with a port of its own would otherwise receive that address's traffic on it.
        var udp = Created(WithClusterIP(Service("dns", 2), "10.96.0.9"), 2030);
        udp.Spec.Ports = [new V1ServicePort { Name = "dns", Protocol = "UDP", Port = 53 }];

        var model = ModelBuilder.Build(Snapshot([Created(WithClusterIP(Service("web", 1), "10.96.0.9"), 2020), udp]), Config);

        Assert.Equal(["default/web"], Services(model));
        Assert.Equal("default/dns", Assert.Single(model.Problems, p => p.Reason == "DuplicateClusterIP").Object);
    }

    [Theory]
    [InlineData("TCP", 30080, null)]
    [InlineData("UDP", 30080, null)]
    [InlineData("TCP", 31000, 30080)]
    public void ANodePortNumberTakenByAnEarlierServiceRefusesTheLaterOne(string protocol, int nodePort, int? healthCheckNodePort)
    {
        var early = Created(NodePort(Service("early", 1), 30080), 2020);
        var late = Created(NodePort(Service("late", 2), nodePort), 2030);
        late.Spec.Ports[0].Protocol = protocol;
        if (healthCheckNodePort is { } hc)
        {
            late.Spec.Type = "LoadBalancer";
            late.Spec.ExternalTrafficPolicy = "Local";
            late.Spec.HealthCheckNodePort = hc;
        }

        var model = ModelBuilder.Build(Snapshot([late, early]), Config);

        Assert.Equal(["default/early"], Services(model));
        var problem = Assert.Single(model.Problems, p => p.Reason == "DuplicateNodePort");
        Assert.Equal("default/late", problem.Object);
        Assert.Contains("nodePort 30080 is already allocated to default/early", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneServiceMayUseItsNodePortForTcpAndUdp()
    {
        var dns = NodePort(Service("dns", 1), 30053);
        dns.Spec.Ports = [
            new V1ServicePort { Name = "tcp", Protocol = "TCP", Port = 53, NodePort = 30053 },
            new V1ServicePort { Name = "udp", Protocol = "UDP", Port = 53, NodePort = 30053 }];

        var model = ModelBuilder.Build(Snapshot([dns]), Config);

        Assert.Equal(["default/dns"], Services(model));
        Assert.Empty(model.Problems);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ARandomWalkOverFewClusterIPsAlwaysRefusesWhatAFreshBuildRefuses(int seed)
    {
        // Six cluster IPs for up to 30 Services: collisions come and go with every kind of change.
        var random = new Random(seed);
        V1Service Random(string name) => Created(WithClusterIP(Service(name, 0), $"10.96.0.{random.Next(6) + 1}"), 2020 + random.Next(3));
        var services = Enumerable.Range(0, 20).Select(i => Random($"svc{i}")).ToList();
        var cache = new ModelCache();
        var refusals = 0;
        for (var step = 0; step < 300; step++)
        {
            var at = random.Next(services.Count);
            switch (random.Next(4))
            {
                case 0:
                    services[at] = Random(services[at].Metadata.Name);
                    break;
                case 1 when services.Count < 30:
                    services.Insert(at, Random($"svc{step + 100}"));
                    break;
                case 2 when services.Count > 2:
                    services.RemoveAt(at);
                    break;
                default:
                    (services[at], services[^1]) = (services[^1], services[at]);
                    break;
            }

            var snapshot = Snapshot(services);
            var cached = ModelBuilder.Build(snapshot, Config, cache);
            var fresh = ModelBuilder.Build(snapshot, Config);
            Assert.Equal(Text(fresh), Text(cached));
            Assert.Equal(fresh.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal), cached.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal));
            Assert.Equal(Services(fresh).Length, Services(fresh).Select(s => services.Single(x => $"default/{x.Metadata.Name}" == s).Spec.ClusterIP).Distinct().Count());
            refusals += cached.Problems.Count(p => p.Reason == "DuplicateClusterIP");
        }

        Assert.True(refusals > 100, $"only {refusals} refusals: the walk hardly collides");
    }

    private static V1Service WithClusterIP(V1Service service, string ip)
    {
        service.Spec.ClusterIP = ip;
        service.Spec.ClusterIPs = [ip];
        return service;
    }

    private static V1Service NodePort(V1Service service, int nodePort)
    {
        service.Spec.Type = "NodePort";
        service.Spec.Ports[0].NodePort = nodePort;
        return service;
    }

    private static V1Service Created(V1Service service, int year)
    {
        service.Metadata.CreationTimestamp = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        return service;
    }

    private static string[] Services(ModelResult model) =>
        [.. model.V4.Services.Select(p => $"{p.Name.Namespace}/{p.Name.Name}").Distinct().Order(StringComparer.Ordinal)];

    private static ClusterSnapshot Snapshot(IEnumerable<V1Service> services) =>
        new([.. services], [], [], [Node("node-1", "192.168.56.11")]);

    private static string Text(ModelResult model) => RestoreText.Write(Renderer.Render(model.V4));
}
