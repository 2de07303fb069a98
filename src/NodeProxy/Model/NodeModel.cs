using System.Collections.Immutable;
using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>The node-local service model for one IP family: the renderer's only input.</summary>
public sealed record NodeModel(IpFamily Family, string NodeName, uint MasqueradeMark)
{
    public ImmutableArray<IPAddress> NodeIPs { get; init; } = [];

    /// <summary>The pod network: traffic from it is pod traffic (kube-proxy's local traffic detector).</summary>
    public IpNet? PodCidr { get; init; }

    public bool MasqueradeAll { get; init; }

    /// <summary>Addresses NodePorts answer on; null means every local address.</summary>
    public ImmutableArray<IPAddress>? NodePortIPs { get; init; }

    public bool LocalhostNodePorts { get; init; }

    public ImmutableArray<ServicePort> Services { get; init; } = [];

    public ImmutableArray<HostPortMapping> HostPorts { get; init; } = [];
}
