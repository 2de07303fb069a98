using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// Two Services on one clusterIP:port:protocol, which the API server's allocator never lets
/// happen: the earlier (by creationTimestamp, then namespace/name) keeps it, the later Service
/// is refused whole, as the API server would have refused to create it. Runs on every build,
/// after the cache, so a reused entry cannot slip past it; one hash lookup per port when
/// nothing collides.
/// </summary>
internal static class ClusterIPClaims
{
    public static List<ModelCache.Entry> Resolve(IReadOnlyList<(ModelCache.Entry Entry, V1Service Service)> services, ICollection<Problem> problems)
    {
        var claimants = new Dictionary<(System.Net.IPAddress, int, Protocol), int>();
        foreach (var (entry, _) in services)
        {
            foreach (var key in Keys(entry))
            {
                claimants[key] = claimants.GetValueOrDefault(key) + 1;
            }
        }

        if (claimants.Values.All(n => n == 1))
        {
            return [.. services.Select(s => s.Entry)];
        }

        var refused = new HashSet<ModelCache.Entry>(ReferenceEqualityComparer.Instance);
        var holders = new Dictionary<(System.Net.IPAddress, int, Protocol), string>();
        var contested = services
            .Where(s => Keys(s.Entry).Any(k => claimants[k] > 1))
            .OrderBy(s => s.Service.Metadata?.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(s => s.Entry.Definition!.Namespace, StringComparer.Ordinal)
            .ThenBy(s => s.Entry.Definition!.Name, StringComparer.Ordinal);
        foreach (var (entry, _) in contested)
        {
            var taken = Keys(entry).FirstOrDefault(holders.ContainsKey);
            if (taken != default)
            {
                refused.Add(entry);
                problems.Add(new Problem("Service", entry.Definition!.Ref, "DuplicateClusterIPPort",
                    $"{IpText.FormatEndpoint(taken.Item1, taken.Item2)}/{taken.Item3.Name()} is already taken by {holders[taken]}; the Service is ignored"));
                continue;
            }

            foreach (var key in Keys(entry))
            {
                holders[key] = entry.Definition!.Ref;
            }
        }

        return [.. services.Select(s => s.Entry).Where(e => !refused.Contains(e))];
    }

    private static IEnumerable<(System.Net.IPAddress, int, Protocol)> Keys(ModelCache.Entry entry) =>
        entry.V4.Concat(entry.V6).Select(p => (p.ClusterIP, p.Port, p.Protocol));
}
