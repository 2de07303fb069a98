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
/// loadBalancerSourceRanges narrow who may reach a load balancer: a range that cannot be read
/// must not leave the Service with a wider firewall than its owner wrote, least of all none.
/// </summary>
public sealed class SourceRangeTests
{
    private static readonly NodeConfig Config = new("node-1") { ClusterCidrs = [IpNet.Parse("10.244.0.0/16")] };

    [Theory]
    [InlineData("not-a-cidr")]
    [InlineData("203.0.113.7")]
    [InlineData("203.0.113.0/33")]
    [InlineData("")]
    public void AServiceWithARangeThatIsNotACidrIsRefusedNotOpened(string bad)
    {
        var model = ModelBuilder.Build(Snapshot(LoadBalancer("guarded", 1, bad, "198.51.100.0/24"), LoadBalancer("other", 2, "192.0.2.0/24")), Config);

        var problem = Assert.Single(model.Problems);
        Assert.Equal(("default/guarded", "InvalidSourceRange"), (problem.Object, problem.Reason));
        // Nothing of it reaches the kernel: not its load balancer IP without a firewall, not its cluster IP.
        var rules = RestoreText.Write(Renderer.Render(model.V4));
        Assert.DoesNotContain("10.96.0.2", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.200", rules, StringComparison.Ordinal);
        Assert.Contains("192.0.2.0/24", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void ARangePaddedWithSpacesIsReadAsTheApiServerAllowsIt()
    {
        var model = ModelBuilder.Build(Snapshot(LoadBalancer("guarded", 1, " 198.51.100.0/24 ")), Config);

        Assert.Empty(model.Problems);
        Assert.Equal(["198.51.100.0/24"], model.V4.Services.Single().SourceRanges.Select(r => r.ToString()));
    }

    private static V1Service LoadBalancer(string name, int index, params string[] ranges)
    {
        var service = Service(name, index);
        service.Spec.Type = "LoadBalancer";
        service.Spec.Ports[0].NodePort = 30000 + index;
        service.Spec.LoadBalancerSourceRanges = ranges;
        service.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = $"203.0.113.{199 + index}" }] } };
        return service;
    }

    /// <summary>Each Service with one ready endpoint: without one a load balancer IP only rejects, and has no firewall to speak of.</summary>
    private static ClusterSnapshot Snapshot(params V1Service[] services) =>
        new([.. services], [.. services.Select((s, i) => Slice(s.Metadata.Name, $"10.244.1.{i + 5}"))], [], [Node("node-1", "192.168.56.11")]);
}
