using System.Net;
using NodeProxy.Conntrack;
using NodeProxy.Model;
using NodeProxy.Net;
using Xunit;

namespace NodeProxy.Tests.Conntrack;

public sealed class StaleFlowsTests
{
    private static readonly IPAddress Dns = IPAddress.Parse("10.96.0.10");
    private static readonly IPAddress A = IPAddress.Parse("10.244.1.5");
    private static readonly IPAddress B = IPAddress.Parse("10.244.2.5");

    [Fact]
    public void AReplacedUdpEndpointLosesItsFlowsOnEveryAddressOfThePort()
    {
        var before = Model(Port(Protocol.Udp, A) with { NodePort = 30053, ExternalIPs = [IPAddress.Parse("192.0.2.7")] });
        var after = Model(Port(Protocol.Udp, B) with { NodePort = 30053, ExternalIPs = [IPAddress.Parse("192.0.2.7")] });

        var flows = StaleFlows.Compute(before, after);

        Assert.Equal(
            ["udp to 10.96.0.10:53 answered by 10.244.1.5", "udp to 192.0.2.7:53 answered by 10.244.1.5", "udp to *:30053 answered by 10.244.1.5"],
            flows.Select(f => f.ToString()));
    }

    [Fact]
    public void TcpIsLeftToEndByItself()
    {
        Assert.Empty(StaleFlows.Compute(Model(Port(Protocol.Tcp, A)), Model(Port(Protocol.Tcp, B))));
    }

    [Fact]
    public void AnUnchangedEndpointKeepsItsFlows()
    {
        Assert.Empty(StaleFlows.Compute(Model(Port(Protocol.Udp, A, B)), Model(Port(Protocol.Udp, B, A))));
    }

    [Fact]
    public void AServiceThatGainsItsFirstEndpointLosesTheFlowsThatWereNeverDnated()
    {
        var flows = StaleFlows.Compute(Model(Port(Protocol.Udp)), Model(Port(Protocol.Udp, A)));

        Assert.Equal(["udp to 10.96.0.10:53 answered by *"], flows.Select(f => f.ToString()));
    }

    [Fact]
    public void ADeletedServiceLosesTheFlowsOfAllItsEndpoints()
    {
        var flows = StaleFlows.Compute(Model(Port(Protocol.Udp, A, B)), Model());

        Assert.Equal(2, flows.Count);
    }

    [Fact]
    public void WithoutAPreviousModelThereIsNothingToCompare()
    {
        Assert.Empty(StaleFlows.Compute(null, Model(Port(Protocol.Udp, A))));
    }

    [Fact]
    public void AUdpHostPortMovedToAnotherPodLosesTheOldPodsFlows()
    {
        var before = Model() with { HostPorts = [new HostPortMapping("default", "dns-1", A, Protocol.Udp, 5353, 53)] };
        var after = Model() with { HostPorts = [new HostPortMapping("default", "dns-2", B, Protocol.Udp, 5353, 53)] };

        Assert.Equal(["udp to *:5353 answered by 10.244.1.5"], StaleFlows.Compute(before, after).Select(f => f.ToString()));
    }

    private static NodeModel Model(params ServicePort[] ports) => new(IpFamily.V4, "node-1", 0x1000) { Services = [.. ports] };

    private static ServicePort Port(Protocol protocol, params IPAddress[] endpoints) =>
        new(new ServicePortName("kube-system", "dns", "dns"), protocol, Dns, 53)
        {
            ServingEndpoints = [.. endpoints.Select(e => new Endpoint(e, 53, "node-1", true))],
            HasEndpoints = endpoints.Length > 0,
        };
}
