using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;

namespace NodeProxy.Conntrack;

/// <summary>
/// Newer kube-proxy's conntrack reconciler, as a pure decision: from the table as it is and the
/// model as it is (no previous model needed, so it also clears what went stale while the agent
/// was down), the UDP and SCTP entries sent to a service's address and port whose replies come
/// from something that is not one of its serving endpoints: a removed endpoint, or the service
/// address itself when the entry was made while it had none. Ports without a serving endpoint
/// are left alone, as there is nowhere better to send their flows.
/// </summary>
public static class ConntrackReconciler
{
    /// <summary>One filter per (address, port, endpoint) found stale, however many flows it matches.</summary>
    public static IReadOnlyList<StaleFlow> Stale(NodeModel model, IEnumerable<ConntrackEntry> entries)
    {
        var frontends = new Dictionary<(Protocol, IPAddress, int), HashSet<IPAddress>>();
        var nodePorts = new Dictionary<(Protocol, int), HashSet<IPAddress>>();
        foreach (var port in model.Services.Where(p => p.Protocol != Protocol.Tcp && !p.ServingEndpoints.IsEmpty))
        {
            var serving = port.ServingEndpoints.Select(e => e.Address).ToHashSet();
            foreach (var address in port.ExternalIPs.Concat(port.LoadBalancerIPs).Prepend(port.ClusterIP))
            {
                frontends[(port.Protocol, address, port.Port)] = serving;
            }

            if (port.NodePort is { } nodePort)
            {
                nodePorts[(port.Protocol, nodePort)] = serving;
            }
        }

        var stale = new HashSet<StaleFlow>();
        foreach (var entry in entries.Where(e => e.Destination.Family() == model.Family))
        {
            if (frontends.TryGetValue((entry.Protocol, entry.Destination, entry.Port), out var serving))
            {
                if (!serving.Contains(entry.ReplySource))
                {
                    stale.Add(new StaleFlow(model.Family, entry.Protocol, entry.Destination, entry.Port, entry.ReplySource));
                }
            }
            else if (nodePorts.TryGetValue((entry.Protocol, entry.Port), out serving) && !serving.Contains(entry.ReplySource) && ToThisNode(model, entry))
            {
                stale.Add(new StaleFlow(model.Family, entry.Protocol, entry.Destination, entry.Port, entry.ReplySource));
            }
        }

        return [.. stale];
    }

    /// <summary>
    /// The fewest deletion filters that remove exactly the listed entries <paramref name="flows"/>
    /// match. conntrack-tools dumps the whole table for every -D (some 20 ms each, however few it
    /// matches), so a filter per service address and endpoint would cost seconds at 1,000 stale
    /// pairs: where every listed entry on a port answered by an endpoint is doomed, one filter
    /// takes them all; otherwise one per service address. Nothing listed, nothing to run.
    /// </summary>
    public static IReadOnlyList<StaleFlow> Cover(IpFamily family, IReadOnlyList<ConntrackEntry> listing, IEnumerable<StaleFlow> flows)
    {
        var byPort = flows.Where(f => f.Family == family).ToLookup(f => (f.Protocol, f.Port));
        var doomed = listing.Where(e => byPort[(e.Protocol, e.Port)].Any(f => Matches(f, e))).ToHashSet();
        var cover = new List<StaleFlow>();
        foreach (var group in doomed.GroupBy(e => (e.Protocol, e.Port, e.ReplySource)))
        {
            var (protocol, port, answerer) = group.Key;
            if (listing.Where(e => e.Protocol == protocol && e.Port == port && e.ReplySource.Equals(answerer)).All(doomed.Contains))
            {
                cover.Add(new StaleFlow(family, protocol, null, port, answerer));
                continue;
            }

            cover.AddRange(group.Select(e => e.Destination).Distinct().Select(d => new StaleFlow(family, protocol, d, port, answerer)));
        }

        return cover;
    }

    private static bool Matches(StaleFlow flow, ConntrackEntry entry) =>
        (flow.Destination is null || flow.Destination.Equals(entry.Destination))
        && (flow.ReplySource is null || flow.ReplySource.Equals(entry.ReplySource))
        && flow.Family == entry.Destination.Family();

    /// <summary>
    /// A NodePort is any local address, so an entry on that port counts only when it was DNATed
    /// (answered by someone else) or sent to one of this node's addresses: a pod's own flow to a
    /// server elsewhere on that port number is forwarded through the node and is no NodePort's.
    /// </summary>
    private static bool ToThisNode(NodeModel model, ConntrackEntry entry) =>
        !entry.ReplySource.Equals(entry.Destination)
        || model.NodeIPs.Contains(entry.Destination)
        || model.NodePortIPs?.Contains(entry.Destination) == true
        || IPAddress.IsLoopback(entry.Destination);
}
