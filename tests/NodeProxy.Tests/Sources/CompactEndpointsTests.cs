using k8s;
using k8s.Models;
using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Sources;

public sealed class CompactEndpointsTests
{
    [Fact]
    public void EveryEndpointReadsBackAsItWasLessItsTargetRef()
    {
        V1Endpoint[] endpoints =
        [
            new() { Addresses = ["10.0.0.1"], Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false }, NodeName = "node-a", Zone = "z1" },
            new() { Addresses = ["10.0.0.2", "10.0.0.3"], Hostname = "web-0", TargetRef = new V1ObjectReference { Kind = "Pod", Name = "web-0" } },
            new() { Addresses = [], Conditions = new V1EndpointConditions { Ready = false } },
            new() { Hints = new V1EndpointHints { ForZones = [new V1ForZone { Name = "z2" }], ForNodes = [new V1ForNode { Name = "node-b" }] } },
        ];

        var compact = new CompactEndpoints(endpoints, new StringPool());

        Assert.Equal(4, compact.Count);
        foreach (var endpoint in endpoints)
        {
            endpoint.TargetRef = null;
        }

        Assert.Equal(endpoints.Select(e => KubernetesJson.Serialize(e)), compact.Select(e => KubernetesJson.Serialize(e)));
        Assert.Equal(KubernetesJson.Serialize(endpoints[1]), KubernetesJson.Serialize(compact[1]));
    }

    [Fact]
    public void AStoredSlicesEndpointsCannotBeChanged()
    {
        var compact = new CompactEndpoints([new V1Endpoint { Addresses = ["10.0.0.1"] }], new StringPool());

        Assert.Throws<NotSupportedException>(() => compact.Add(new V1Endpoint()));
        Assert.Throws<NotSupportedException>(() => compact[0] = new V1Endpoint());
        Assert.Equal("10.0.0.1", Assert.Single(compact).Addresses.Single());
    }
}
