using System.Collections.Immutable;

namespace NodeProxy.Model;

/// <summary>
/// Two service ports are equal when every field is, arrays element by element. The records'
/// own equality compares ImmutableArray members by reference, and each sync builds new arrays,
/// so it would call every port changed.
/// </summary>
public sealed class ServicePortEquality : IEqualityComparer<ServicePort>
{
    public static readonly ServicePortEquality Instance = new();

    public bool Equals(ServicePort? x, ServicePort? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null
            && x.Name == y.Name && x.Protocol == y.Protocol && x.ClusterIP.Equals(y.ClusterIP) && x.Port == y.Port
            && x.NodePort == y.NodePort && x.ExternalPolicyLocal == y.ExternalPolicyLocal && x.InternalPolicyLocal == y.InternalPolicyLocal
            && x.AffinitySeconds == y.AffinitySeconds && x.HealthCheckNodePort == y.HealthCheckNodePort && x.HasEndpoints == y.HasEndpoints
            && Same(x.ExternalIPs, y.ExternalIPs) && Same(x.LoadBalancerIPs, y.LoadBalancerIPs) && Same(x.SourceRanges, y.SourceRanges)
            && Same(x.ClusterEndpoints, y.ClusterEndpoints, SameEndpoint) && Same(x.LocalEndpoints, y.LocalEndpoints, SameEndpoint)
            && Same(x.ServingEndpoints, y.ServingEndpoints, SameEndpoint));

    public int GetHashCode(ServicePort port) =>
        HashCode.Combine(port.Name, port.ClusterIP, port.Port, port.NodePort, port.ClusterEndpoints.Length, port.LocalEndpoints.Length);

    private static bool SameEndpoint(Endpoint a, Endpoint b) =>
        a.Address.Equals(b.Address) && a.Port == b.Port && a.NodeName == b.NodeName && a.IsLocal == b.IsLocal
        && a.Ready == b.Ready && a.Serving == b.Serving && a.Terminating == b.Terminating
        && SameList(a.ZoneHints, b.ZoneHints) && SameList(a.NodeHints, b.NodeHints);

    private static bool Same<T>(ImmutableArray<T> a, ImmutableArray<T> b) => a.SequenceEqual(b);

    private static bool SameList(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (ReferenceEquals(a, b) || (a.Count == 0 && b.Count == 0))
        {
            return true;
        }

        return a.SequenceEqual(b);
    }

    private static bool Same<T>(ImmutableArray<T> a, ImmutableArray<T> b, Func<T, T, bool> same) => a.SequenceEqual(b, same);
}
