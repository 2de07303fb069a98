using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// Validates a Service. A bad field costs only what it must: a bad port drops that port, a bad
/// externalIP that address; only a bad cluster IP drops the whole Service, since every rule
/// of it hangs on that address.
/// </summary>
internal static class ServiceReader
{
    public const string ServiceProxyNameLabel = WellKnownLabels.ServiceProxyName;
    public const string HeadlessLabel = WellKnownLabels.Headless;
    private const int DefaultAffinitySeconds = 10800;
    private const int MaxAffinitySeconds = 86400;

    public static ServiceDefinition? Read(V1Service service, NodeConfig config, ICollection<Problem> problems)
    {
        var ns = service.Metadata?.NamespaceProperty ?? "default";
        var name = service.Metadata?.Name;
        var spec = service.Spec;
        if (string.IsNullOrEmpty(name) || spec is null)
        {
            problems.Add(new Problem("Service", $"{ns}/{name ?? "<unnamed>"}", "Malformed", "has no metadata.name or no spec; ignored"));
            return null;
        }

        var svcRef = $"{ns}/{name}";
        var labels = service.Metadata?.Labels;
        if (spec.Type == "ExternalName"
            || labels?.ContainsKey(ServiceProxyNameLabel) == true
            || labels?.ContainsKey(HeadlessLabel) == true
            || spec.ClusterIP == "None")
        {
            return null;
        }

        var clusterIPTexts = spec.ClusterIPs is { Count: > 0 } ips ? ips : spec.ClusterIP is { Length: > 0 } ip ? [ip] : [];
        if (clusterIPTexts.Count == 0)
        {
            problems.Add(new Problem("Service", svcRef, "NoClusterIP", "has no spec.clusterIP; ignored"));
            return null;
        }

        var clusterIPs = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var text in clusterIPTexts)
        {
            if (!IpText.TryParseAddress(text, out var address))
            {
                problems.Add(new Problem("Service", svcRef, "InvalidClusterIP", $"cluster IP '{text}' is not an IP address; the Service is ignored"));
                return null;
            }

            clusterIPs.Add(address);
        }

        var ports = ReadPorts(spec, svcRef, problems);
        var externallyReachableType = spec.Type is "NodePort" or "LoadBalancer";
        return new ServiceDefinition(ns, name)
        {
            ClusterIPs = clusterIPs.ToImmutable(),
            Ports = ports,
            ExternalIPs = ReadExternalIPs(spec, svcRef, config, problems),
            LoadBalancerIPs = ReadLoadBalancerIPs(service, svcRef, problems),
            SourceRanges = ReadSourceRanges(spec, svcRef, problems),
            ExternalTrafficLocal = spec.ExternalTrafficPolicy == "Local",
            InternalTrafficLocal = spec.InternalTrafficPolicy == "Local",
            AffinitySeconds = ReadAffinity(spec, svcRef, problems),
            HealthCheckNodePort = spec.Type == "LoadBalancer" && spec.ExternalTrafficPolicy == "Local"
                && spec.HealthCheckNodePort is > 0 and <= 65535 ? spec.HealthCheckNodePort : null,
        }.WithNodePortsOnlyIf(externallyReachableType);
    }

    private static ServiceDefinition WithNodePortsOnlyIf(this ServiceDefinition service, bool allowed) =>
        allowed ? service : service with { Ports = [.. service.Ports.Select(p => p with { NodePort = null })] };

    private static ImmutableArray<PortDefinition> ReadPorts(V1ServiceSpec spec, string svcRef, ICollection<Problem> problems)
    {
        var ports = ImmutableArray.CreateBuilder<PortDefinition>();
        foreach (var port in spec.Ports ?? [])
        {
            var portName = port.Name ?? "";
            var where = $"port {(portName.Length > 0 ? $"'{portName}' " : "")}{port.Port}";
            if (!ProtocolText.TryParse(port.Protocol, out var protocol))
            {
                problems.Add(new Problem("Service", svcRef, "UnknownProtocol", $"{where} has unknown protocol '{port.Protocol}'; the port is ignored"));
                continue;
            }

            if (port.Port is < 1 or > 65535)
            {
                problems.Add(new Problem("Service", svcRef, "InvalidPort", $"{where} is out of range 1-65535; the port is ignored"));
                continue;
            }

            if (ports.Any(p => p.Port == port.Port && p.Protocol == protocol) || ports.Any(p => p.Name == portName))
            {
                problems.Add(new Problem("Service", svcRef, "DuplicatePort", $"{where} repeats another port's name or number; the repeat is ignored"));
                continue;
            }

            int? nodePort = null;
            if (port.NodePort is { } np and not 0)
            {
                if (np is < 1 or > 65535)
                {
                    problems.Add(new Problem("Service", svcRef, "InvalidNodePort", $"{where} has nodePort {np} out of range 1-65535; the node port is ignored"));
                }
                else
                {
                    nodePort = np;
                }
            }

            ports.Add(new PortDefinition(portName, protocol, port.Port, nodePort));
        }

        return ports.ToImmutable();
    }

    private static ImmutableArray<IPAddress> ReadExternalIPs(V1ServiceSpec spec, string svcRef, NodeConfig config, ICollection<Problem> problems)
    {
        var result = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var text in spec.ExternalIPs ?? [])
        {
            if (!IpText.TryParseAddress(text, out var address))
            {
                problems.Add(new Problem("Service", svcRef, "InvalidExternalIP", $"externalIP '{text}' is not an IP address; that address is ignored"));
                continue;
            }

            if (config.ExternalIpCidrs is { } allowed && !allowed.Any(c => c.Contains(address)))
            {
                // One address outside the allowed ranges makes the whole claim suspect (CVE-2020-8554).
                problems.Add(new Problem("Service", svcRef, "ExternalIPNotAllowed",
                    $"externalIP {address} is outside --external-ip-cidrs; all externalIPs of this Service are ignored"));
                return [];
            }

            result.Add(address);
        }

        return result.Distinct().ToImmutableArray();
    }

    private static ImmutableArray<IPAddress> ReadLoadBalancerIPs(V1Service service, string svcRef, ICollection<Problem> problems)
    {
        if (service.Spec?.Type != "LoadBalancer")
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var ingress in service.Status?.LoadBalancer?.Ingress ?? [])
        {
            // With ipMode Proxy the load balancer delivers to the node itself, so the VIP must not be captured.
            if (string.IsNullOrEmpty(ingress.Ip) || ingress.IpMode == "Proxy")
            {
                continue;
            }

            if (!IpText.TryParseAddress(ingress.Ip, out var address))
            {
                problems.Add(new Problem("Service", svcRef, "InvalidLoadBalancerIP", $"load balancer ingress IP '{ingress.Ip}' is not an IP address; it is ignored"));
                continue;
            }

            result.Add(address);
        }

        return result.Distinct().ToImmutableArray();
    }

    private static ImmutableArray<IpNet> ReadSourceRanges(V1ServiceSpec spec, string svcRef, ICollection<Problem> problems)
    {
        var result = ImmutableArray.CreateBuilder<IpNet>();
        foreach (var text in spec.LoadBalancerSourceRanges ?? [])
        {
            if (!IpNet.TryParse(text, out var range))
            {
                // Dropping a range only narrows who may connect, so it fails closed.
                problems.Add(new Problem("Service", svcRef, "InvalidSourceRange", $"loadBalancerSourceRange '{text}' is not a CIDR; it is ignored"));
                continue;
            }

            result.Add(range);
        }

        return result.Distinct().ToImmutableArray();
    }

    private static int? ReadAffinity(V1ServiceSpec spec, string svcRef, ICollection<Problem> problems)
    {
        if (spec.SessionAffinity != "ClientIP")
        {
            return null;
        }

        var timeout = spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds;
        if (timeout is null)
        {
            return DefaultAffinitySeconds;
        }

        if (timeout is < 1 or > MaxAffinitySeconds)
        {
            problems.Add(new Problem("Service", svcRef, "InvalidAffinityTimeout",
                $"sessionAffinityConfig.clientIP.timeoutSeconds {timeout} is out of range 1-{MaxAffinitySeconds}; using {DefaultAffinitySeconds}"));
            return DefaultAffinitySeconds;
        }

        return timeout;
    }
}
