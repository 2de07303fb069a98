using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Cluster.Validation;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// Validates a Service as the API server would. A bad field costs only what it must: a bad port
/// drops that port, a bad nodePort or externalIP that number or address; a bad name, namespace,
/// cluster IP or ipFamilies drops the whole Service, since every rule of it hangs on them.
/// </summary>
internal static class ServiceReader
{
    public const string ServiceProxyNameLabel = WellKnownLabels.ServiceProxyName;
    public const string HeadlessLabel = WellKnownLabels.Headless;
    private const int DefaultAffinitySeconds = 10800;
    private const int MaxAffinitySeconds = 86400;

    public static ServiceDefinition? Read(V1Service service, NodeConfig config, ImmutableArray<IPAddress> nodeIPs, ICollection<Problem> problems)
    {
        var ns = service.Metadata?.NamespaceProperty ?? "default";
        var name = service.Metadata?.Name;
        var spec = service.Spec;
        if (string.IsNullOrEmpty(name) || spec is null)
        {
            problems.Add(new Problem("Service", $"{ns}/{name ?? "<unnamed>"}", "Malformed", "has no metadata.name or no spec; ignored"));
            return null;
        }

        if (ObjectNames.Check("Service", service.Metadata, NameFormat.Dns1035Label) is { } badName)
        {
            problems.Add(badName);
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

        if (ClusterIPReader.Read(spec, svcRef, config, nodeIPs, problems) is not { } clusterIPs)
        {
            return null;
        }

        if (ReadSourceRanges(spec, svcRef, problems) is not { } sourceRanges)
        {
            return null;
        }

        var ports = ReadPorts(spec, svcRef, config, problems);
        var externallyReachableType = spec.Type is "NodePort" or "LoadBalancer";
        return new ServiceDefinition(ns, name)
        {
            ClusterIPs = clusterIPs,
            Ports = ports,
            ExternalIPs = ReadExternalIPs(spec, svcRef, config, problems),
            LoadBalancerIPs = ReadLoadBalancerIPs(service, svcRef, problems),
            SourceRanges = sourceRanges,
            ExternalTrafficLocal = spec.ExternalTrafficPolicy == "Local",
            InternalTrafficLocal = spec.InternalTrafficPolicy == "Local",
            AffinitySeconds = ReadAffinity(spec, svcRef, problems),
            HealthCheckNodePort = ReadHealthCheckNodePort(spec, svcRef, config, problems),
        }.WithNodePortsOnlyIf(externallyReachableType);
    }

    private static ServiceDefinition WithNodePortsOnlyIf(this ServiceDefinition service, bool allowed) =>
        allowed ? service : service with { Ports = [.. service.Ports.Select(p => p with { NodePort = null })] };

    private static ImmutableArray<PortDefinition> ReadPorts(V1ServiceSpec spec, string svcRef, NodeConfig config, ICollection<Problem> problems)
    {
        var ports = ImmutableArray.CreateBuilder<PortDefinition>();
        var declared = spec.Ports ?? [];
        foreach (var port in declared)
        {
            var portName = port.Name ?? "";
            var where = $"port {(portName.Length > 0 ? $"'{portName}' " : "")}{port.Port}";
            if (portName.Length > 0 && NameRules.Violation(NameFormat.Dns1123Label, portName) is { } badName)
            {
                problems.Add(new Problem("Service", svcRef, "InvalidPortName", $"{where}: the name {badName}; the port is ignored"));
                continue;
            }

            if (portName.Length == 0 && declared.Count > 1)
            {
                problems.Add(new Problem("Service", svcRef, "UnnamedPort", $"{where} has no name although the Service has {declared.Count} ports; the port is ignored"));
                continue;
            }

            if (!ApiProtocol.TryParse(port.Protocol, out var protocol))
            {
                problems.Add(new Problem("Service", svcRef, "UnknownProtocol", $"{where} has unknown protocol '{port.Protocol}'; the port is ignored"));
                continue;
            }

            if (port.Port is < 1 or > 65535)
            {
                problems.Add(new Problem("Service", svcRef, "InvalidPort", $"{where} is out of range 1-65535; the port is ignored"));
                continue;
            }

            if (TargetPortViolation(port.TargetPort?.Value) is { } badTarget)
            {
                problems.Add(new Problem("Service", svcRef, "InvalidTargetPort", $"{where} has targetPort '{port.TargetPort?.Value}', which {badTarget}; the port is ignored"));
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
                if (!config.NodePortRange.Contains(np))
                {
                    problems.Add(new Problem("Service", svcRef, "InvalidNodePort", $"{where} has nodePort {np} outside --service-node-port-range {config.NodePortRange}; the node port is ignored"));
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

    /// <summary>A number 1-65535 or an IANA service name (a container port's name); empty or 0 means the port itself.</summary>
    private static string? TargetPortViolation(string? target)
    {
        if (string.IsNullOrEmpty(target) || target == "0")
        {
            return null;
        }

        if (target.All(char.IsAsciiDigit))
        {
            return int.TryParse(target, out var number) && number is >= 1 and <= 65535 ? null : "is out of range 1-65535";
        }

        return NameRules.Violation(NameFormat.IanaSvcName, target);
    }

    private static int? ReadHealthCheckNodePort(V1ServiceSpec spec, string svcRef, NodeConfig config, ICollection<Problem> problems)
    {
        if (spec.Type != "LoadBalancer" || spec.ExternalTrafficPolicy != "Local" || spec.HealthCheckNodePort is null or 0)
        {
            return null;
        }

        if (!config.NodePortRange.Contains(spec.HealthCheckNodePort.Value))
        {
            problems.Add(new Problem("Service", svcRef, "InvalidHealthCheckNodePort",
                $"healthCheckNodePort {spec.HealthCheckNodePort} is outside --service-node-port-range {config.NodePortRange}; no health check is served"));
            return null;
        }

        return spec.HealthCheckNodePort;
    }

    private static ImmutableArray<IPAddress> ReadExternalIPs(V1ServiceSpec spec, string svcRef, NodeConfig config, ICollection<Problem> problems)
    {
        var result = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var text in spec.ExternalIPs ?? [])
        {
            if (!ApiAddress.TryParse(text, out var address) || ApiAddress.IsSpecial(address))
            {
                problems.Add(new Problem("Service", svcRef, "InvalidExternalIP", $"externalIP '{text}' is not an IP address the API server accepts there; that address is ignored"));
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

            if (!ApiAddress.TryParse(ingress.Ip, out var address))
            {
                problems.Add(new Problem("Service", svcRef, "InvalidLoadBalancerIP", $"load balancer ingress IP '{ingress.Ip}' is not an IP address; it is ignored"));
                continue;
            }

            result.Add(address);
        }

        return result.Distinct().ToImmutableArray();
    }

    /// <returns>Null when a range is not a CIDR, which the API server refuses (it allows only the space padding trimmed here).</returns>
    private static ImmutableArray<IpNet>? ReadSourceRanges(V1ServiceSpec spec, string svcRef, ICollection<Problem> problems)
    {
        var result = ImmutableArray.CreateBuilder<IpNet>();
        foreach (var text in spec.LoadBalancerSourceRanges ?? [])
        {
            if (text?.Contains('/', StringComparison.Ordinal) != true || !IpNet.TryParse(text, out var range))
            {
                // Not just this range: were it the only one, dropping it would leave the Service
                // with no firewall at all, open to every source its owner meant to keep out.
                problems.Add(new Problem("Service", svcRef, "InvalidSourceRange",
                    $"loadBalancerSourceRange '{text}' is not a CIDR; the Service is ignored rather than opened to every source"));
                return null;
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
