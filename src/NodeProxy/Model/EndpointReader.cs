using System.Collections.Immutable;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// Merges a Service's EndpointSlices into one endpoint list per (port name, protocol) for one IP
/// family, as kube-proxy's EndpointSliceCache does: first address of each endpoint, duplicates
/// across slices merged preferring a ready copy, ordered by address then port.
/// </summary>
internal sealed class EndpointReader
{
    public const string ServiceNameLabel = WellKnownLabels.ServiceName;

    private readonly ILookup<(string Namespace, string Service), SliceChecker.CheckedSlice> slicesByService;
    private readonly string nodeName;

    /// <param name="slices">Usually one Service's slices; each is checked once, here.</param>
    public EndpointReader(IEnumerable<V1EndpointSlice> slices, string nodeName, ICollection<Problem> problems)
    {
        this.nodeName = nodeName;
        slicesByService = slices
            .Where(s => s.Metadata?.Labels?.ContainsKey(ServiceNameLabel) == true)
            .Select(s => (Key: (s.Metadata!.NamespaceProperty ?? "default", s.Metadata!.Labels![ServiceNameLabel]), Checked: SliceChecker.Check(s, problems)))
            .Where(s => s.Checked is not null)
            .ToLookup(s => s.Key, s => s.Checked!);
    }

    /// <summary>Slices grouped by the Service they belong to (their service-name label), in snapshot order.</summary>
    public static Dictionary<(string Namespace, string Service), ImmutableArray<V1EndpointSlice>> ByService(IEnumerable<V1EndpointSlice> slices) =>
        slices
            .Select(s => (Slice: s, Service: ServiceOf(s)))
            .Where(s => s.Service is not null)
            .GroupBy(s => s.Service!.Value, s => s.Slice)
            .ToDictionary(g => g.Key, g => g.ToImmutableArray());

    /// <summary>The Service a slice belongs to, by its service-name label; null without one.</summary>
    public static (string Namespace, string Service)? ServiceOf(V1EndpointSlice slice) =>
        slice.Metadata?.Labels?.TryGetValue(ServiceNameLabel, out var service) == true
            ? (slice.Metadata.NamespaceProperty ?? "default", service)
            : null;

    public ImmutableArray<Endpoint> Read(ServiceDefinition service, PortDefinition port, IpFamily family)
    {
        // By the address itself: its text would stay cached in every endpoint's IPAddress for good.
        var byAddress = new Dictionary<(System.Net.IPAddress, int), Endpoint>();
        foreach (var slice in slicesByService[(service.Namespace, service.Name)])
        {
            if (slice.Family != family)
            {
                continue;
            }

            var slicePort = slice.Ports.Where(p => p.Name == port.Name && p.Protocol == port.Protocol).Select(p => (int?)p.Port).FirstOrDefault();
            if (slicePort is not { } number)
            {
                continue;
            }

            foreach (var (endpoint, address) in slice.Endpoints)
            {
                var conditions = endpoint.Conditions;
                var ready = conditions?.Ready ?? true;
                var candidate = new Endpoint(address, number, endpoint.NodeName, endpoint.NodeName == nodeName)
                {
                    Ready = ready,
                    Serving = conditions?.Serving ?? ready,
                    Terminating = conditions?.Terminating ?? false,
                    ZoneHints = endpoint.Hints?.ForZones?.Select(z => z.Name).ToArray() ?? [],
                    NodeHints = endpoint.Hints?.ForNodes?.Select(n => n.Name).ToArray() ?? [],
                };
                var key = (address, candidate.Port);
                if (!byAddress.TryGetValue(key, out var existing) || (!existing.Ready && candidate.Ready))
                {
                    byAddress[key] = candidate;
                }
            }
        }

        return [.. byAddress.Values.OrderBy(e => IpNet.ToBits(e.Address)).ThenBy(e => e.Port)];
    }
}
