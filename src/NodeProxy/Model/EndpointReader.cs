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

    private readonly ILookup<(string Namespace, string Service), V1EndpointSlice> slicesByService;
    private readonly ICollection<Problem> problems;
    private readonly string nodeName;

    public EndpointReader(IEnumerable<V1EndpointSlice> slices, string nodeName, ICollection<Problem> problems)
    {
        this.nodeName = nodeName;
        this.problems = problems;
        slicesByService = slices
            .Where(s => s.Metadata?.Labels?.ContainsKey(ServiceNameLabel) == true)
            .ToLookup(s => (s.Metadata!.NamespaceProperty ?? "default", s.Metadata!.Labels![ServiceNameLabel]));
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
        var byAddress = new Dictionary<(string, int), Endpoint>();
        foreach (var slice in slicesByService[(service.Namespace, service.Name)])
        {
            if (slice.AddressType != (family == IpFamily.V4 ? "IPv4" : "IPv6"))
            {
                continue;
            }

            var slicePort = slice.Ports?.FirstOrDefault(p => (p.Name ?? "") == port.Name && ProtocolOf(p) == port.Protocol);
            if (slicePort is null)
            {
                continue;
            }

            var sliceRef = $"{slice.Metadata?.NamespaceProperty ?? "default"}/{slice.Metadata?.Name}";
            if (slicePort.Port is not (>= 1 and <= 65535))
            {
                problems.Add(new Problem("EndpointSlice", sliceRef, "InvalidPort", $"port '{slicePort.Name}' has number {slicePort.Port?.ToString() ?? "<none>"}; its endpoints are ignored"));
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                var text = endpoint.Addresses?.FirstOrDefault();
                if (!IpText.TryParseAddress(text, out var address) || address.Family() != family)
                {
                    problems.Add(new Problem("EndpointSlice", sliceRef, "InvalidEndpointAddress", $"endpoint address '{text}' is not an {(family == IpFamily.V4 ? "IPv4" : "IPv6")} address; the endpoint is ignored"));
                    continue;
                }

                var conditions = endpoint.Conditions;
                var ready = conditions?.Ready ?? true;
                var candidate = new Endpoint(address, slicePort.Port.Value, endpoint.NodeName, endpoint.NodeName == nodeName)
                {
                    Ready = ready,
                    Serving = conditions?.Serving ?? ready,
                    Terminating = conditions?.Terminating ?? false,
                    ZoneHints = endpoint.Hints?.ForZones?.Select(z => z.Name).ToArray() ?? [],
                    NodeHints = endpoint.Hints?.ForNodes?.Select(n => n.Name).ToArray() ?? [],
                };
                var key = (address.ToString(), candidate.Port);
                if (!byAddress.TryGetValue(key, out var existing) || (!existing.Ready && candidate.Ready))
                {
                    byAddress[key] = candidate;
                }
            }
        }

        return [.. byAddress.Values.OrderBy(e => IpNet.ToBits(e.Address)).ThenBy(e => e.Port)];
    }

    private static Protocol? ProtocolOf(Discoveryv1EndpointPort port) =>
        ProtocolText.TryParse(port.Protocol, out var protocol) ? protocol : null;
}
