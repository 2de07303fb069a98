using System.Collections.Immutable;
using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// What this node must do for one service port in one IP family, with the endpoints already
/// chosen by traffic policy, topology and the terminating fallback.
/// </summary>
public sealed record ServicePort(ServicePortName Name, Protocol Protocol, IPAddress ClusterIP, int Port)
{
    public int? NodePort { get; init; }
    public ImmutableArray<IPAddress> ExternalIPs { get; init; } = [];
    public ImmutableArray<IPAddress> LoadBalancerIPs { get; init; } = [];
    public ImmutableArray<IpNet> SourceRanges { get; init; } = [];
    public bool ExternalPolicyLocal { get; init; }
    public bool InternalPolicyLocal { get; init; }

    /// <summary>ClientIP affinity timeout, or null without affinity.</summary>
    public int? AffinitySeconds { get; init; }

    public int? HealthCheckNodePort { get; init; }

    /// <summary>Endpoints for Cluster policy traffic (empty when no traffic uses Cluster policy).</summary>
    public ImmutableArray<Endpoint> ClusterEndpoints { get; init; } = [];

    /// <summary>Endpoints for Local policy traffic (empty when no traffic uses Local policy).</summary>
    public ImmutableArray<Endpoint> LocalEndpoints { get; init; } = [];

    /// <summary>Some endpoint anywhere is ready, or serving while terminating.</summary>
    public bool HasEndpoints { get; init; }

    /// <summary>Ready or serving endpoints, whatever the policy: what UDP conntrack cleanup keeps.</summary>
    public ImmutableArray<Endpoint> ServingEndpoints { get; init; } = [];

    public bool ExternallyAccessible => NodePort is not null || ExternalIPs.Length > 0 || LoadBalancerIPs.Length > 0;

    /// <summary>Even with eTP=Local external traffic needs the cluster set: pods short-circuit to it.</summary>
    public bool UsesClusterEndpoints => !InternalPolicyLocal || ExternallyAccessible;

    public bool UsesLocalEndpoints => InternalPolicyLocal || ExternalPolicyLocal;
}
