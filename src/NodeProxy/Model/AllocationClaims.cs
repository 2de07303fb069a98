using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// Two Services on one cluster IP (whatever their ports) or one node port number (whatever the
/// protocol; health check node ports included), which the API server's allocators never let
/// happen: the earlier (by creationTimestamp, then namespace/name) keeps it, the later Service
/// is refused whole, as the API server would have refused to create it ("provided IP is already
/// allocated"), so a manifest cannot take another Service's address on a port of its own.
/// Decided on every build, after the model cache, so a reused entry cannot slip past it. Who
/// holds which key is kept between builds and updated only at the positions whose entry
/// changed: at 10k services a recount on every build cost more than the rest of the model build.
/// </summary>
internal sealed class AllocationClaims
{
    private readonly Dictionary<Claim, List<(ModelCache.Entry Entry, V1Service Service)>> holders = [];
    private readonly HashSet<Claim> contested = [];
    private ModelCache.Entry[] counted = [];

    /// <param name="entries">One per Service of <paramref name="services"/>, position by position.</param>
    /// <returns>The entries refused; empty when no two Services collide (the usual case, found without a scan).</returns>
    public IReadOnlySet<ModelCache.Entry> Refused(ModelCache.Entry[] entries, ImmutableArray<V1Service> services, ICollection<Problem> problems)
    {
        Update(entries, services);
        if (contested.Count == 0)
        {
            return ImmutableHashSet<ModelCache.Entry>.Empty;
        }

        var refused = new HashSet<ModelCache.Entry>(ReferenceEqualityComparer.Instance);
        var taken = new Dictionary<Claim, string>();
        var candidates = contested
            .SelectMany(key => holders[key])
            .DistinctBy(h => h.Entry, ReferenceEqualityComparer.Instance)
            .OrderBy(h => h.Service.Metadata?.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(h => h.Entry.Definition!.Namespace, StringComparer.Ordinal)
            .ThenBy(h => h.Entry.Definition!.Name, StringComparer.Ordinal);
        foreach (var (entry, _) in candidates)
        {
            var keys = Keys(entry).ToList();
            var key = keys.FirstOrDefault(taken.ContainsKey);
            if (taken.ContainsKey(key))
            {
                refused.Add(entry);
                problems.Add(new Problem("Service", entry.Definition!.Ref, key.Address is null ? "DuplicateNodePort" : "DuplicateClusterIP",
                    $"{key} is already allocated to {taken[key]}; the Service is ignored"));
                continue;
            }

            foreach (var own in keys)
            {
                taken[own] = entry.Definition!.Ref;
            }
        }

        return refused;
    }

    /// <summary>Counts the entries that changed position by position; all of them when the Services moved.</summary>
    private void Update(ModelCache.Entry[] entries, ImmutableArray<V1Service> services)
    {
        if (counted.Length != entries.Length)
        {
            holders.Clear();
            contested.Clear();
            counted = new ModelCache.Entry[entries.Length];
        }

        for (var i = 0; i < entries.Length; i++)
        {
            if (ReferenceEquals(counted[i], entries[i]))
            {
                continue;
            }

            if (counted[i] is { } old)
            {
                foreach (var key in Keys(old))
                {
                    Release(key, old);
                }
            }

            foreach (var key in Keys(entries[i]))
            {
                Take(key, entries[i], services[i]);
            }

            counted[i] = entries[i];
        }
    }

    private void Take(Claim key, ModelCache.Entry entry, V1Service service)
    {
        if (!holders.TryGetValue(key, out var list))
        {
            holders[key] = list = [];
        }

        list.Add((entry, service));
        if (list.Count > 1)
        {
            contested.Add(key);
        }
    }

    private void Release(Claim key, ModelCache.Entry entry)
    {
        var list = holders[key];
        list.RemoveAt(list.FindIndex(h => ReferenceEquals(h.Entry, entry)));
        if (list.Count < 2)
        {
            contested.Remove(key);
        }

        if (list.Count == 0)
        {
            holders.Remove(key);
        }
    }

    /// <summary>Each key once: a Service's ports share its cluster IP, and its TCP and UDP ports may share a node port.</summary>
    private static IEnumerable<Claim> Keys(ModelCache.Entry entry) =>
        entry.V4.Concat(entry.V6)
            .SelectMany(p => new Claim?[] { new(p.ClusterIP, 0), p.NodePort is { } n ? new(null, n) : null, p.HealthCheckNodePort is { } h ? new(null, h) : null })
            .OfType<Claim>()
            .Distinct();

    /// <summary>A cluster IP (<see cref="Port"/> 0) or a node port number (<see cref="Address"/> null).</summary>
    private readonly record struct Claim(IPAddress? Address, int Port)
    {
        public override string ToString() => Address is { } address ? $"clusterIP {IpText.Format(address)}" : $"nodePort {Port}";
    }
}
