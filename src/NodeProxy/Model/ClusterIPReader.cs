using System.Collections.Immutable;
using System.Net;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Cluster.Validation;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>
/// A Service's cluster IPs, checked as the API server allocates them (one per family, in
/// ipFamilies order, inside the service CIDRs) and refused where they would capture an address
/// that is not the Service's to take: this node's own, or a loopback, link-local or unspecified one.
/// </summary>
internal static class ClusterIPReader
{
    /// <returns>null when the Service must be skipped; the problem then says why.</returns>
    public static ImmutableArray<IPAddress>? Read(V1ServiceSpec spec, string svcRef, NodeConfig config, ImmutableArray<IPAddress> nodeIPs, ICollection<Problem> problems)
    {
        ImmutableArray<IPAddress>? Refuse(string reason, string message)
        {
            problems.Add(new Problem("Service", svcRef, reason, message + "; the Service is ignored"));
            return null;
        }

        var texts = spec.ClusterIPs is { Count: > 0 } ips ? ips : spec.ClusterIP is { Length: > 0 } ip ? [ip] : [];
        if (texts.Count == 0)
        {
            problems.Add(new Problem("Service", svcRef, "NoClusterIP", "has no spec.clusterIP; ignored"));
            return null;
        }

        if (!string.IsNullOrEmpty(spec.ClusterIP) && spec.ClusterIP != texts[0])
        {
            return Refuse("InvalidClusterIP", $"spec.clusterIP '{spec.ClusterIP}' is not spec.clusterIPs[0] '{texts[0]}'");
        }

        var addresses = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var text in texts)
        {
            if (!ApiAddress.TryParse(text, out var address))
            {
                return Refuse("InvalidClusterIP", $"cluster IP '{text}' is not an IP address in the form the API server accepts");
            }

            if (ApiAddress.IsSpecial(address) || address.Equals(IPAddress.Broadcast))
            {
                return Refuse("InvalidClusterIP", $"cluster IP {address} is a loopback, link-local, multicast or unspecified address");
            }

            if (nodeIPs.Contains(address))
            {
                return Refuse("ClusterIPIsNodeAddress", $"cluster IP {address} is an address of this node");
            }

            if (!config.ServiceCidrs.IsEmpty && !config.ServiceCidrs.Any(c => c.Contains(address)))
            {
                return Refuse("ClusterIPOutsideServiceRange", $"cluster IP {address} is outside --service-cluster-ip-range {string.Join(",", config.ServiceCidrs)}");
            }

            addresses.Add(address);
        }

        if (addresses.Count > 2 || addresses.Select(a => a.Family()).Distinct().Count() != addresses.Count)
        {
            return Refuse("InvalidClusterIP", "spec.clusterIPs holds more than one address of a family");
        }

        var families = spec.IpFamilies ?? [];
        if (families.Count > 2 || families.Distinct().Count() != families.Count || families.Any(f => f is not ("IPv4" or "IPv6")))
        {
            return Refuse("InvalidIPFamilies", $"spec.ipFamilies [{string.Join(", ", families)}] is not one or two distinct of IPv4, IPv6");
        }

        for (var i = 0; i < Math.Min(families.Count, addresses.Count); i++)
        {
            if (families[i] != (addresses[i].Family() == IpFamily.V4 ? "IPv4" : "IPv6"))
            {
                return Refuse("InvalidIPFamilies", $"cluster IP {addresses[i]} is not of spec.ipFamilies[{i}] {families[i]}");
            }
        }

        return addresses.ToImmutable();
    }
}
