using System.Collections.Immutable;
using System.Net;
using NodeProxy.Cluster;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>Cluster snapshot + this node's identity -> what this node must do, per IP family.</summary>
public static class ModelBuilder
{
    public const string ZoneLabel = WellKnownLabels.Zone;

    public static ModelResult Build(ClusterSnapshot snapshot, NodeConfig config)
    {
        var problems = new List<Problem>();
        var node = snapshot.FindNode(config.NodeName);
        var zone = node?.Metadata?.Labels?.TryGetValue(ZoneLabel, out var z) == true ? z : null;
        var nodeIPs = config.NodeIPs.IsEmpty ? NodeAddresses(node) : config.NodeIPs;
        var services = snapshot.Services
            .Select(s => ServiceReader.Read(s, config, problems))
            .OfType<ServiceDefinition>()
            .OrderBy(s => s.Namespace, StringComparer.Ordinal)
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        var endpoints = new EndpointReader(snapshot.EndpointSlices, config.NodeName, problems);

        NodeModel ForFamily(IpFamily family) => new(family, config.NodeName, config.MasqueradeMark)
        {
            NodeIPs = [.. nodeIPs.Where(ip => ip.Family() == family)],
            PodCidr = config.ClusterCidrs.Where(c => c.Family == family).Cast<IpNet?>().FirstOrDefault(),
            MasqueradeAll = config.MasqueradeAll,
            NodePortIPs = NodePortIPs(config, nodeIPs, family),
            LocalhostNodePorts = config.LocalhostNodePorts && family == IpFamily.V4,
            Services = [.. services.SelectMany(s => ServicePorts(s, family, endpoints, config.NodeName, zone))],
            HostPorts = HostPortReader.Read(snapshot.Pods, config.NodeName, family, problems),
        };

        var v4 = ForFamily(IpFamily.V4);
        var v6 = ForFamily(IpFamily.V6);
        return new ModelResult(v4, v6, [.. problems.Distinct()]);
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

    private static ImmutableArray<IPAddress> NodeAddresses(k8s.Models.V1Node? node) =>
    [
        .. (node?.Status?.Addresses ?? [])
            .Where(a => a.Type is "InternalIP" or "ExternalIP")
            .Select(a => IpText.TryParseAddress(a.Address, out var ip) ? ip : null)
            .OfType<IPAddress>()
            .Distinct(),
    ];

    private static ImmutableArray<IPAddress>? NodePortIPs(NodeConfig config, ImmutableArray<IPAddress> nodeIPs, IpFamily family)
    {
        if (config.NodePortAddresses.IsEmpty)
        {
            return null;
        }

        var candidates = nodeIPs.Where(ip => ip.Family() == family).ToList();
        if (config.LocalhostNodePorts && family == IpFamily.V4)
        {
            candidates.Add(IPAddress.Loopback);
        }

        return [.. candidates.Where(ip => config.NodePortAddresses.Any(c => c.Contains(ip))).Distinct()];
    }
}
