using System.Collections.Immutable;
using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>A Service after validation, before it is split by IP family and joined with endpoints.</summary>
internal sealed record ServiceDefinition(string Namespace, string Name)
{
    public ImmutableArray<IPAddress> ClusterIPs { get; init; } = [];
    public ImmutableArray<PortDefinition> Ports { get; init; } = [];
    public ImmutableArray<IPAddress> ExternalIPs { get; init; } = [];
    public ImmutableArray<IPAddress> LoadBalancerIPs { get; init; } = [];
    public ImmutableArray<IpNet> SourceRanges { get; init; } = [];
    public bool ExternalTrafficLocal { get; init; }
    public bool InternalTrafficLocal { get; init; }
    public int? AffinitySeconds { get; init; }
    public int? HealthCheckNodePort { get; init; }

    public string Ref => $"{Namespace}/{Name}";
}

internal sealed record PortDefinition(string Name, Protocol Protocol, int Port, int? NodePort);
