using NodeProxy.Cluster;
using NodeProxy.Cluster.Validation;
using System.Collections.Immutable;
using k8s.Models;
using NodeProxy.Net;

namespace NodeProxy.Sources;

/// <summary>
/// Makes the EndpointSlices the Kubernetes EndpointSlice controller would make for selector
/// Services that the manifests give none for, so that offline rendering matches a live cluster.
/// </summary>
public static class PodEndpointSlices
{
    public const string ServiceNameLabel = WellKnownLabels.ServiceName;
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedBy = "nodeproxy-manifest-source";

    /// <summary>The controller's default --max-endpoints-per-slice.</summary>
    private const int MaxEndpointsPerSlice = 100;

    /// <summary>
    /// The derived slices only. A Service that has any slice in <paramref name="slices"/> is
    /// left alone: whoever wrote that slice meant it to be the whole truth. Namespaces must
    /// already be filled in.
    /// </summary>
    public static ImmutableArray<V1EndpointSlice> Derive(
        IEnumerable<V1Service> services,
        IEnumerable<V1EndpointSlice> slices,
        IReadOnlyCollection<V1Pod> pods,
        ICollection<Problem>? problems = null)
    {
        var covered = slices
            .Select(s => (s.Metadata?.NamespaceProperty, Name: ServiceNameOf(s)))
            .Where(key => key.Name is not null)
            .ToHashSet();

        // A Pod the API server would have refused to create can be nobody's endpoint.
        var named = new List<V1Pod>(pods.Count);
        foreach (var pod in pods)
        {
            if (ObjectNames.Check("Pod", pod.Metadata, NameFormat.Dns1123Subdomain) is { } badName)
            {
                problems?.Add(badName);
                continue;
            }

            named.Add(pod);
        }

        var derived = ImmutableArray.CreateBuilder<V1EndpointSlice>();
        foreach (var service in services)
        {
            if (service.Metadata?.Name is not { } name
                || service.Spec?.Selector is not { Count: > 0 } selector
                || service.Spec.Type == "ExternalName"
                || covered.Contains((service.Metadata.NamespaceProperty, name)))
            {
                continue;
            }

            var selected = named
                .Where(p => p.Metadata is { } metadata
                    && metadata.NamespaceProperty == service.Metadata.NamespaceProperty
                    && Selects(selector, metadata.Labels)
                    && p.Status?.Phase is not ("Succeeded" or "Failed"))
                .ToList();

            if (selected.Count == 0)
            {
                // Legal, but in hand-written manifests nearly always a typo in a label.
                var labels = string.Join(",", selector.Select(kv => $"{kv.Key}={kv.Value}"));
                problems?.Add(new Problem("Service", $"{service.Metadata.NamespaceProperty}/{name}", "SelectorMatchesNoPods",
                    $"selector {labels} matches no Pod in the manifests; the Service has no endpoints"));
            }

            foreach (var family in Families(service))
            {
                derived.AddRange(SlicesFor(service, family, selected));
            }
        }

        return derived.ToImmutable();
    }

    private static string? ServiceNameOf(V1EndpointSlice slice) =>
        slice.Metadata?.Labels is { } labels && labels.TryGetValue(ServiceNameLabel, out var name) ? name : null;

    private static bool Selects(IDictionary<string, string> selector, IDictionary<string, string>? labels) =>
        labels is not null && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    /// <summary>
    /// The controller makes one slice set per family the Service has, not per family the Pods
    /// have: a single-stack Service over dual-stack Pods gets slices of its own family only.
    /// </summary>
    private static IEnumerable<IpFamily> Families(V1Service service)
    {
        if (service.Spec.IpFamilies is { Count: > 0 } declared)
        {
            return declared.Select(f => f.Equals("IPv6", StringComparison.OrdinalIgnoreCase) ? IpFamily.V6 : IpFamily.V4).Distinct();
        }

        var clusterIps = service.Spec.ClusterIPs is { Count: > 0 } ips ? ips : [service.Spec.ClusterIP];
        var families = clusterIps
            .Select(ip => IpText.TryParseAddress(ip, out var address) ? address.Family() : (IpFamily?)null)
            .OfType<IpFamily>()
            .Distinct()
            .ToList();
        return families.Count > 0 ? families : [IpFamily.V4];
    }

    private static IEnumerable<V1EndpointSlice> SlicesFor(V1Service service, IpFamily family, IReadOnlyList<V1Pod> pods)
    {
        // Endpoints whose target ports resolve alike share a slice, since a slice has one port list.
        var groups = new List<(List<Discoveryv1EndpointPort> Ports, List<V1Endpoint> Endpoints)>();
        foreach (var pod in pods)
        {
            if (AddressOf(pod, family) is not { } address)
            {
                continue;
            }

            var ports = EndpointPorts(service, pod);
            var group = groups.FindIndex(g => SamePorts(g.Ports, ports));
            if (group < 0)
            {
                groups.Add((ports, []));
                group = groups.Count - 1;
            }

            groups[group].Endpoints.Add(Endpoint(service, pod, address));
        }

        var chunks = groups
            .SelectMany(g => g.Endpoints.Chunk(MaxEndpointsPerSlice).Select(endpoints => (g.Ports, Endpoints: endpoints.ToList())))
            .ToList();
        if (chunks.Count == 0)
        {
            // The controller keeps an empty slice too: the Service exists and has no endpoints.
            chunks.Add(([], []));
        }

        var baseName = $"{service.Metadata.Name}-derived-{(family == IpFamily.V4 ? "ipv4" : "ipv6")}";
        return chunks.Select((chunk, i) => new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                Name = i == 0 ? baseName : $"{baseName}-{i + 1}",
                NamespaceProperty = service.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>
                {
                    [ServiceNameLabel] = service.Metadata.Name,
                    [ManagedByLabel] = ManagedBy,
                },
            },
            AddressType = family == IpFamily.V4 ? "IPv4" : "IPv6",
            Endpoints = chunk.Endpoints,
            Ports = chunk.Ports,
        });
    }

    /// <summary>
    /// Unparseable addresses are kept (classified by their spelling) so that the model stage
    /// reports them, rather than the Pod silently vanishing here.
    /// </summary>
    private static string? AddressOf(V1Pod pod, IpFamily family)
    {
        var addresses = pod.Status?.PodIPs is { Count: > 0 } podIps
            ? podIps.Select(p => (string?)p.Ip)
            : [pod.Status?.PodIP];
        return addresses.FirstOrDefault(a => !string.IsNullOrWhiteSpace(a) && FamilyOf(a) == family);
    }

    private static IpFamily FamilyOf(string address) =>
        IpText.TryParseAddress(address, out var parsed) ? parsed.Family()
        : address.Contains(':') ? IpFamily.V6 : IpFamily.V4;

    private static V1Endpoint Endpoint(V1Service service, V1Pod pod, string address)
    {
        var publishNotReady = service.Spec.PublishNotReadyAddresses == true;
        var serving = publishNotReady || IsReady(pod);
        var terminating = pod.Metadata.DeletionTimestamp is not null;
        return new V1Endpoint
        {
            Addresses = [address],
            Conditions = new V1EndpointConditions
            {
                // As the controller does: a terminating Pod still serves but is never "ready",
                // which is what lets kube-proxy fall back to it only when nothing else is left.
                Ready = publishNotReady || (serving && !terminating),
                Serving = serving,
                Terminating = terminating,
            },
            NodeName = pod.Spec?.NodeName,
            TargetRef = new V1ObjectReference
            {
                Kind = "Pod",
                NamespaceProperty = pod.Metadata.NamespaceProperty,
                Name = pod.Metadata.Name,
                Uid = pod.Metadata.Uid,
            },
        };
    }

    /// <summary>
    /// Hand-written Pods seldom carry status conditions; one that says nothing either way and is
    /// not in a phase other than Running is taken as ready, or such manifests would route nowhere.
    /// </summary>
    private static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions is { Count: > 0 } conditions
            ? conditions.Any(c => c.Type == "Ready" && c.Status == "True")
            : pod.Status?.Phase is null or "Running";

    private static List<Discoveryv1EndpointPort> EndpointPorts(V1Service service, V1Pod pod)
    {
        var ports = new List<Discoveryv1EndpointPort>();
        foreach (var servicePort in service.Spec.Ports ?? [])
        {
            if (TargetPorts.Resolve(servicePort, pod) is { } port)
            {
                ports.Add(new Discoveryv1EndpointPort
                {
                    Name = servicePort.Name,
                    Protocol = string.IsNullOrEmpty(servicePort.Protocol) ? "TCP" : servicePort.Protocol,
                    Port = port,
                });
            }
        }

        return ports;
    }

    private static bool SamePorts(List<Discoveryv1EndpointPort> a, List<Discoveryv1EndpointPort> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Protocol == p.Second.Protocol && p.First.Port == p.Second.Port);
}
