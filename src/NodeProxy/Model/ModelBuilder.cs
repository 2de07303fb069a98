using System.Collections.Immutable;
using System.Net;
using NodeProxy.Cluster;
using NodeProxy.Cluster.Validation;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>Cluster snapshot + this node's identity -> what this node must do, per IP family.</summary>
public static class ModelBuilder
{
    public const string ZoneLabel = WellKnownLabels.Zone;

    /// <param name="cache">Services unchanged since the previous build; see <see cref="ModelCache"/>.</param>
    /// <param name="hostAddresses">The addresses on this host's interfaces, when known: with --nodeport-addresses, NodePorts answer on those inside the ranges.</param>
    public static ModelResult Build(ClusterSnapshot snapshot, NodeConfig config, ModelCache? cache = null, ImmutableArray<IPAddress>? hostAddresses = null)
    {
        var problems = new List<Problem>();
        var node = snapshot.FindNode(config.NodeName);
        var zone = Zone(node, problems);
        var nodeIPs = config.NodeIPs.IsEmpty ? NodeAddresses(node) : config.NodeIPs;
        cache ??= new ModelCache();
        cache.Begin(config, zone, nodeIPs);
        cache.Group(snapshot.EndpointSlices);
        var entries = cache.Entries(snapshot.Services, (service, slices) => Read(service, slices, config, nodeIPs, zone));
        problems.AddRange(entries.SelectMany(e => e.Problems));
        var refused = cache.Claims.Refused(entries, snapshot.Services, problems);
        var services = cache.Order(snapshot.Services, entries).Select(i => entries[i]).Where(e => refused.Count == 0 || !refused.Contains(e)).ToList();

        NodeModel ForFamily(IpFamily family) => new(family, config.NodeName, config.MasqueradeMark)
        {
            NodeIPs = [.. nodeIPs.Where(ip => ip.Family() == family)],
            PodCidr = config.ClusterCidrs.Where(c => c.Family == family).Cast<IpNet?>().FirstOrDefault(),
            MasqueradeAll = config.MasqueradeAll,
            NodePortIPs = NodePortIPs(config, nodeIPs, hostAddresses, family),
            LocalhostNodePorts = config.LocalhostNodePorts && family == IpFamily.V4,
            Services = Flatten(services, family),
            HostPorts = HostPortReader.Read(snapshot.Pods, config.NodeName, family, problems),
        };

        var v4 = ForFamily(IpFamily.V4);
        var v6 = ForFamily(IpFamily.V6);
        return new ModelResult(v4, v6, [.. problems.Distinct()]);
    }

    /// <summary>Every Service's ports of one family, in order (a plain loop: at 10k services LINQ's took 2 ms a family).</summary>
    private static ImmutableArray<ServicePort> Flatten(List<ModelCache.Entry> services, IpFamily family)
    {
        var count = 0;
        foreach (var entry in services)
        {
            count += (family == IpFamily.V4 ? entry.V4 : entry.V6).Length;
        }

        var ports = ImmutableArray.CreateBuilder<ServicePort>(count);
        foreach (var entry in services)
        {
            ports.AddRange(family == IpFamily.V4 ? entry.V4 : entry.V6);
        }

        return ports.MoveToImmutable();
    }

    /// <summary>One Service and its slices, read on their own: problems included, so a cached entry reports them again.</summary>
    private static ModelCache.Entry Read(
        k8s.Models.V1Service service, ImmutableArray<k8s.Models.V1EndpointSlice> slices, NodeConfig config, ImmutableArray<IPAddress> nodeIPs, string? zone)
    {
        var problems = new List<Problem>();
        var definition = ServiceReader.Read(service, config, nodeIPs, problems);
        if (definition is null)
        {
            return new ModelCache.Entry(slices, null, [], [], [.. problems]);
        }

        var endpoints = new EndpointReader(slices, config.NodeName, problems);
        ImmutableArray<ServicePort> v4 = [.. ServicePorts(definition, IpFamily.V4, endpoints, config.NodeName, zone)];
        ImmutableArray<ServicePort> v6 = [.. ServicePorts(definition, IpFamily.V6, endpoints, config.NodeName, zone)];
        return new ModelCache.Entry(slices, definition, v4, v6, [.. problems]);
    }

    private static IEnumerable<ServicePort> ServicePorts(ServiceDefinition service, IpFamily family, EndpointReader endpoints, string nodeName, string? zone)
    {
        var clusterIP = service.ClusterIPs.FirstOrDefault(ip => ip.Family() == family);
        if (clusterIP is null)
        {
            yield break;
        }

        foreach (var port in service.Ports)
        {
            var model = new ServicePort(new ServicePortName(service.Namespace, service.Name, port.Name), port.Protocol, clusterIP, port.Port)
            {
                NodePort = port.NodePort,
                ExternalIPs = [.. service.ExternalIPs.Where(ip => ip.Family() == family)],
                LoadBalancerIPs = [.. service.LoadBalancerIPs.Where(ip => ip.Family() == family)],
                SourceRanges = [.. service.SourceRanges.Where(r => r.Family == family)],
                InternalPolicyLocal = service.InternalTrafficLocal,
                AffinitySeconds = service.AffinitySeconds,
                HealthCheckNodePort = service.HealthCheckNodePort,
            };
            model = model with { ExternalPolicyLocal = service.ExternalTrafficLocal && model.ExternallyAccessible };
            if (!model.ExternalPolicyLocal)
            {
                model = model with { HealthCheckNodePort = null };
            }

            var all = endpoints.Read(service, port, family);
            var selected = EndpointSelection.Select(all, model.UsesClusterEndpoints, model.UsesLocalEndpoints, nodeName, zone);
            yield return model with
            {
                ClusterEndpoints = selected.Cluster,
                LocalEndpoints = selected.Local,
                HasEndpoints = selected.HasEndpoints,
                ServingEndpoints = [.. all.Where(e => e.Ready || e.Serving)],
            };
        }
    }

    /// <summary>The Node's zone label; one that is not a label value is reported and taken as no zone.</summary>
    private static string? Zone(k8s.Models.V1Node? node, List<Problem> problems)
    {
        if (node?.Metadata?.Labels?.TryGetValue(ZoneLabel, out var zone) != true)
        {
            return null;
        }

        if (NameRules.Violation(NameFormat.LabelValue, zone) is { } bad)
        {
            problems.Add(new Problem("Node", node.Metadata.Name ?? "", "InvalidZoneLabel", $"label {ZoneLabel} '{zone}' {bad}; topology hints are not used"));
            return null;
        }

        return zone;
    }

    private static ImmutableArray<IPAddress> NodeAddresses(k8s.Models.V1Node? node) =>
    [
        .. (node?.Status?.Addresses ?? [])
            .Where(a => a.Type is "InternalIP" or "ExternalIP")
            .Select(a => ApiAddress.TryParse(a.Address, out var ip) ? ip : null)
            .OfType<IPAddress>()
            .Distinct(),
    ];

    /// <summary>
    /// kube-proxy's NewNodePortAddresses and GetNodeIPs: a family with no range of its own, or with
    /// a zero range, answers on every local address (null: `--dst-type LOCAL`); otherwise on the
    /// host's addresses inside the ranges (the Node object's when the host's are not known, as in
    /// `render`). Loopback only with localhost NodePorts, and never on IPv6.
    /// </summary>
    private static ImmutableArray<IPAddress>? NodePortIPs(NodeConfig config, ImmutableArray<IPAddress> nodeIPs, ImmutableArray<IPAddress>? hostAddresses, IpFamily family)
    {
        var ranges = config.NodePortAddresses.Where(c => c.Family == family).ToList();
        if (ranges.Count == 0 || ranges.Any(c => c.PrefixLength == 0))
        {
            return null;
        }

        var candidates = (hostAddresses ?? nodeIPs).Where(ip => ip.Family() == family).ToList();
        if (hostAddresses is null && config.LocalhostNodePorts && family == IpFamily.V4)
        {
            candidates.Add(IPAddress.Loopback);
        }

        var loopbackAllowed = config.LocalhostNodePorts && family == IpFamily.V4;
        return [.. candidates.Where(ip => ranges.Any(c => c.Contains(ip)) && (loopbackAllowed || !IPAddress.IsLoopback(ip))).Distinct()];
    }
}
