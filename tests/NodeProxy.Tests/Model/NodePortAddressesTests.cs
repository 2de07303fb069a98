using System.Collections.Immutable;
using System.Net;
using NodeProxy.Model;
using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Model;

/// <summary>Which addresses NodePorts answer on, as kube-proxy's NewNodePortAddresses and GetNodeIPs decide.</summary>
public sealed class NodePortAddressesTests
{
    private static readonly string Fixture = Path.Combine(TestPaths.TestData, "golden", "nodeport-addresses");

    [Fact]
    public void AFamilyWithoutARangeAnswersOnEveryLocalAddress()
    {
        var model = Build("--nodeport-addresses 192.168.0.0/24");

        Assert.Equal(["192.168.0.2"], model.V4.NodePortIPs!.Value.Select(ip => ip.ToString()));
        Assert.Null(model.V6.NodePortIPs);
    }

    [Fact]
    public void AZeroRangeMeansEveryAddressOfItsFamily()
    {
        var model = Build("--nodeport-addresses 0.0.0.0/0,fd00::/8");

        Assert.Null(model.V4.NodePortIPs);
        Assert.NotNull(model.V6.NodePortIPs);
    }

    [Fact]
    public void TheHostsInterfaceAddressesInsideTheRangesCountNotOnlyTheNodeObjects()
    {
        var model = Build("--nodeport-addresses 192.168.0.0/16,2001:db8::/32", ["127.0.0.1", "192.168.0.2", "192.168.77.5", "10.1.0.2", "::1", "2001:db8::7"]);

        Assert.Equal(["192.168.0.2", "192.168.77.5"], model.V4.NodePortIPs!.Value.Select(ip => ip.ToString()));
        Assert.Equal(["2001:db8::7"], model.V6.NodePortIPs!.Value.Select(ip => ip.ToString()));
    }

    [Fact]
    public void LoopbackInsideTheRangesAnswersOnlyWithLocalhostNodePortsAndNeverOnIPv6()
    {
        string[] host = ["127.0.0.1", "192.168.0.2", "::1"];

        Assert.DoesNotContain(IPAddress.Loopback, Build("--nodeport-addresses 0.0.0.0/1,::/1", host).V4.NodePortIPs!.Value);
        var on = Build("--nodeport-addresses 0.0.0.0/1,::/1 --localhost-nodeports", host);
        Assert.Contains(IPAddress.Loopback, on.V4.NodePortIPs!.Value);
        Assert.Empty(on.V6.NodePortIPs!.Value);
    }

    private static ModelResult Build(string flags, string[]? host = null)
    {
        var config = TestPipeline.ParseFlags("--node-name test-node --node-ip 192.168.0.2,10.1.0.2 " + flags);
        ImmutableArray<IPAddress>? addresses = host is null ? null : [.. host.Select(IPAddress.Parse)];
        return ModelBuilder.Build(ManifestSource.Load(Fixture).Snapshot, config, hostAddresses: addresses);
    }
}
