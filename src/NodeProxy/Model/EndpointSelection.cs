using System.Collections.Immutable;

namespace NodeProxy.Model;

/// <summary>
/// Which endpoints each traffic policy may use on this node (kube-proxy's CategorizeEndpoints):
/// Cluster policy takes ready endpoints narrowed by topology hints, else serving-terminating ones;
/// Local policy takes local ready endpoints, else local serving-terminating ones.
/// </summary>
internal static class EndpointSelection
{
    public sealed record Result(ImmutableArray<Endpoint> Cluster, ImmutableArray<Endpoint> Local, bool HasEndpoints);

    public static Result Select(ImmutableArray<Endpoint> endpoints, bool usesCluster, bool usesLocal, string nodeName, string? zone)
    {
        var hasEndpoints = endpoints.Any(e => e.Ready || (e.Serving && e.Terminating));
        ImmutableArray<Endpoint> cluster = [];
        if (usesCluster)
        {
            var topology = TopologyFilter(endpoints, nodeName, zone);
            cluster = [.. endpoints.Where(e => e.Ready && topology(e))];
            if (cluster.IsEmpty)
            {
                cluster = [.. endpoints.Where(e => e.Serving && e.Terminating)];
            }
        }

        ImmutableArray<Endpoint> local = [];
        if (usesLocal)
        {
            local = [.. endpoints.Where(e => e.IsLocal && e.Ready)];
            if (local.IsEmpty)
            {
                local = [.. endpoints.Where(e => e.IsLocal && e.Serving && e.Terminating)];
            }
        }

        return new Result(cluster, local, hasEndpoints);
    }

    /// <summary>
    /// Hints are honoured only when every ready endpoint carries them and one names this node (or
    /// its zone); otherwise some node would be left with no endpoint at all, so they are ignored.
    /// </summary>
    private static Func<Endpoint, bool> TopologyFilter(ImmutableArray<Endpoint> endpoints, string nodeName, string? zone)
    {
        var ready = endpoints.Where(e => e.Ready).ToList();
        if (ready.Count == 0)
        {
            return _ => true;
        }

        if (ready.All(e => e.NodeHints.Count > 0) && ready.Any(e => e.NodeHints.Contains(nodeName)))
        {
            return e => e.NodeHints.Contains(nodeName);
        }

        if (!string.IsNullOrEmpty(zone) && ready.All(e => e.ZoneHints.Count > 0) && ready.Any(e => e.ZoneHints.Contains(zone)))
        {
            return e => e.ZoneHints.Contains(zone);
        }

        return _ => true;
    }
}
