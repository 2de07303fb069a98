using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;

namespace NodeProxy.Conntrack;

/// <summary>
/// Which conntrack entries a change of model leaves pointing at the wrong place, as kube-proxy
/// clears them: for UDP and SCTP only (TCP ends its connections by itself), entries answered by
/// an endpoint that stopped serving, and entries to a service that had no endpoint (they were
/// never DNATed, and would keep bypassing the new rules). Pure.
/// </summary>
public static class StaleFlows
{
    public static IReadOnlyList<StaleFlow> Compute(NodeModel? before, NodeModel after)
    {
        if (before is null)
        {
            return [];
        }

        var flows = new List<StaleFlow>();
        var was = before.Services.Where(NeedsCleanup).ToDictionary(p => (p.Name, p.Protocol));
        var now = after.Services.Where(NeedsCleanup).ToDictionary(p => (p.Name, p.Protocol));
        foreach (var old in was.Values)
        {
            var serving = Serving(now.GetValueOrDefault((old.Name, old.Protocol)));
            foreach (var gone in Serving(old).Except(serving))
            {
                flows.AddRange(ToPort(old, gone));
            }
        }

        foreach (var port in now.Values)
        {
            if (Serving(was.GetValueOrDefault((port.Name, port.Protocol))).Count == 0 && Serving(port).Count > 0)
            {
                flows.AddRange(ToPort(port, null));
            }
        }

        var mappings = after.HostPorts.Where(m => m.Protocol != Protocol.Tcp).Select(m => (m.Protocol, m.HostPort, m.PodIP)).ToHashSet();
        foreach (var gone in before.HostPorts.Where(m => m.Protocol != Protocol.Tcp && !mappings.Contains((m.Protocol, m.HostPort, m.PodIP))))
        {
            flows.Add(new StaleFlow(before.Family, gone.Protocol, null, gone.HostPort, gone.PodIP));
        }

        return [.. flows.Distinct()];
    }

    private static bool NeedsCleanup(ServicePort port) => port.Protocol != Protocol.Tcp;

    private static HashSet<IPAddress> Serving(ServicePort? port) =>
        port is null ? [] : [.. port.ServingEndpoints.Select(e => e.Address)];

    /// <summary>Every address the port answers on; <paramref name="endpoint"/> null means any.</summary>
    private static IEnumerable<StaleFlow> ToPort(ServicePort port, IPAddress? endpoint)
    {
        var family = port.ClusterIP.Family();
        foreach (var address in new[] { port.ClusterIP }.Concat(port.ExternalIPs).Concat(port.LoadBalancerIPs))
        {
            yield return new StaleFlow(family, port.Protocol, address, port.Port, endpoint);
        }

        // NodePort flows are found by port: they may have come in on any node address. Without
        // an endpoint that would also hit unrelated flows to the node, so only with one.
        if (port.NodePort is { } nodePort && endpoint is not null)
        {
            yield return new StaleFlow(family, port.Protocol, null, nodePort, endpoint);
        }
    }
}
