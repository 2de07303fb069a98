using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Cluster.Validation;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// hostPorts of the Pods scheduled on this node, as the CNI portmap plugin would map them. Where
/// two pods claim the same (hostIP, port, protocol), the first by namespace/name keeps it: portmap
/// is last-writer-wins, which is not deterministic across restarts.
/// </summary>
internal static class HostPortReader
{
    public static ImmutableArray<HostPortMapping> Read(IEnumerable<V1Pod> pods, string nodeName, IpFamily family, ICollection<Problem> problems)
    {
        var result = ImmutableArray.CreateBuilder<HostPortMapping>();
        var claimed = new Dictionary<(string HostIP, int Port, Protocol Protocol), string>();
        var ordered = pods
            .Where(p => p.Spec?.NodeName == nodeName && p.Spec.HostNetwork != true && p.Status?.Phase is not ("Succeeded" or "Failed"))
            .OrderBy(p => p.Metadata?.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(p => p.Metadata?.Name, StringComparer.Ordinal);
        foreach (var pod in ordered)
        {
            var podRef = $"{pod.Metadata?.NamespaceProperty ?? "default"}/{pod.Metadata?.Name}";
            var ports = (pod.Spec!.Containers ?? []).SelectMany(c => c.Ports ?? []).Where(p => p.HostPort is > 0 or < 0).ToList();
            if (ports.Count == 0)
            {
                continue;
            }

            if (ObjectNames.Check("Pod", pod.Metadata, NameFormat.Dns1123Subdomain) is { } badName)
            {
                problems.Add(badName);
                continue;
            }

            var podIP = PodIP(pod, family, out var hasAnyIP);
            if (podIP is null)
            {
                // A pod of the other family only is no problem; one with no address at all is.
                if (!hasAnyIP)
                {
                    problems.Add(new Problem("Pod", podRef, "HostPortWithoutPodIP", "has a hostPort but no status.podIP yet; the hostPort is not mapped"));
                }

                continue;
            }

            foreach (var port in ports)
            {
                var mapping = ReadMapping(pod, podRef, podIP, port, family, problems);
                if (mapping is null)
                {
                    continue;
                }

                var key = (mapping.HostIP?.ToString() ?? "", mapping.HostPort, mapping.Protocol);
                if (claimed.TryGetValue(key, out var owner))
                {
                    problems.Add(new Problem("Pod", podRef, "HostPortConflict", $"hostPort {mapping.HostPort}/{mapping.Protocol.Name()} is already mapped to {owner}; ignored"));
                    continue;
                }

                claimed[key] = podRef;
                result.Add(mapping);
            }
        }

        return result.ToImmutable();
    }

    private static HostPortMapping? ReadMapping(V1Pod pod, string podRef, IPAddress podIP, V1ContainerPort port, IpFamily family, ICollection<Problem> problems)
    {
        // Both family passes report the same problem; the model builder keeps one copy.
        void Report(string reason, string message) => problems.Add(new Problem("Pod", podRef, reason, message));

        if (!string.IsNullOrEmpty(port.Name) && NameRules.Violation(NameFormat.IanaSvcName, port.Name) is { } badName)
        {
            Report("InvalidPortName", $"hostPort {port.HostPort}: the port name '{port.Name}' {badName}; ignored");
            return null;
        }

        if (!ApiProtocol.TryParse(port.Protocol, out var protocol))
        {
            Report("UnknownProtocol", $"hostPort {port.HostPort} has unknown protocol '{port.Protocol}'; ignored");
            return null;
        }

        if (port.HostPort is not (>= 1 and <= 65535) || port.ContainerPort is < 1 or > 65535)
        {
            Report("InvalidPort", $"hostPort {port.HostPort} -> containerPort {port.ContainerPort} is out of range 1-65535; ignored");
            return null;
        }

        IPAddress? hostIP = null;
        if (!string.IsNullOrEmpty(port.HostIP))
        {
            if (!ApiAddress.TryParse(port.HostIP, out var parsed))
            {
                Report("InvalidHostIP", $"hostIP '{port.HostIP}' of hostPort {port.HostPort} is not an IP address; ignored");
                return null;
            }

            if (!parsed.Equals(IPAddress.Any) && !parsed.Equals(IPAddress.IPv6Any))
            {
                if (parsed.Family() != family)
                {
                    return null;
                }

                hostIP = parsed;
            }
        }

        return new HostPortMapping(pod.Metadata?.NamespaceProperty ?? "default", pod.Metadata?.Name ?? "", podIP, protocol, port.HostPort!.Value, port.ContainerPort)
        {
            HostIP = hostIP,
        };
    }

    private static IPAddress? PodIP(V1Pod pod, IpFamily family, out bool hasAnyIP)
    {
        var texts = pod.Status?.PodIPs is { Count: > 0 } ips
            ? ips.Select(i => i.Ip)
            : pod.Status?.PodIP is { Length: > 0 } ip ? [ip] : [];
        hasAnyIP = false;
        foreach (var text in texts)
        {
            if (ApiAddress.TryParse(text, out var address) && !ApiAddress.IsSpecial(address))
            {
                hasAnyIP = true;
                if (address.Family() == family)
                {
                    return address;
                }
            }
        }

        return null;
    }
}
