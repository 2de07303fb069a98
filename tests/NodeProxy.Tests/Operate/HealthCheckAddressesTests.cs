using System.Collections.Immutable;
using System.Net;
using NodeProxy.Health;
using NodeProxy.Model;
using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Operate;

/// <summary>Where the health check node ports listen: where NodePorts answer, as kube-proxy's service health server.</summary>
public sealed class HealthCheckAddressesTests
{
    private static readonly ImmutableArray<IPAddress> Host = [.. new[] { "127.0.0.1", "192.168.0.2", "10.1.0.2", "::1", "fe80::1", "2001:db8::7" }.Select(IPAddress.Parse)];

    [Fact]
    public void WithoutNodePortAddressesEveryAddressListens() =>
        Assert.Null(HealthCheckAddresses.From(Build(""), Host));

    [Fact]
    public void RangesOfBothFamiliesListenOnTheHostsAddressesInsideThem() =>
        Assert.Equal(["192.168.0.2", "2001:db8::7"], Addresses("--nodeport-addresses 192.168.0.0/24,2001:db8::/32"));

    [Fact]
    public void AFamilyWithoutARangeListensOnEachOfItsHostAddressesButLoopbackAndLinkLocal() =>
        Assert.Equal(["192.168.0.2", "2001:db8::7"], Addresses("--nodeport-addresses 192.168.0.0/24"));

    private static IEnumerable<string> Addresses(string flags) =>
        HealthCheckAddresses.From(Build(flags), Host)!.Select(a => a.ToString());

    private static ModelResult Build(string flags) =>
        ModelBuilder.Build(ManifestSource.Load(Path.Combine(TestPaths.TestData, "golden", "nodeport-addresses")).Snapshot, TestPipeline.ParseFlags("--node-name test-node " + flags), hostAddresses: Host);
}
