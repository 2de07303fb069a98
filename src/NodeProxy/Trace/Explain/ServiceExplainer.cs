using System.Globalization;
using System.Text;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.RuleSets;
using NodeProxy.Trace.Live;

namespace NodeProxy.Trace.Explain;

/// <summary>
/// `nodeproxy explain`: one Service as NodeProxy reads it on this node, each endpoint and why it is
/// used or not, and the rules that carry it with the kernel's counters when the node's rules
/// were read. Pure: the command reads the cluster and the kernel and hands both in.
/// </summary>
internal static class ServiceExplainer
{
    public static string Explain(
        string ns, string name, ClusterSnapshot snapshot, ModelResult model, IReadOnlyList<Problem> problems,
        Func<IpFamily, RuleSet> render, Func<IpFamily, LiveTables?> live, string? liveError)
    {
        var text = new StringBuilder();
        var reference = $"{ns}/{name}";
        var service = snapshot.Services.FirstOrDefault(s => s.Metadata?.NamespaceProperty == ns && s.Metadata?.Name == name);
        text.Append(CultureInfo.InvariantCulture, $"Service {reference} on node {model.V4.NodeName}\n");
        if (service is null)
        {
            text.Append("  not in the cluster as read (or claimed by another proxy, or headless: NodeProxy does not list those)\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"  type {service.Spec?.Type ?? "ClusterIP"}, cluster IPs {string.Join(", ", service.Spec?.ClusterIPs ?? [service.Spec?.ClusterIP ?? "none"])}\n");
        }

        var mine = problems.Where(p => p.Object == reference || p.Object.StartsWith(reference + ":", StringComparison.Ordinal)
            || p.Message.Contains(reference, StringComparison.Ordinal)).ToList();
        text.Append(mine.Count == 0 ? "  problems: none\n" : "  problems (these parts are skipped):\n");
        foreach (var problem in mine)
        {
            text.Append("    ").Append(problem).Append('\n');
        }

        var any = false;
        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
        {
            var ports = model.For(family).Services.Where(p => p.Name.Namespace == ns && p.Name.Name == name).ToList();
            if (ports.Count == 0)
            {
                continue;
            }

            any = true;
            var rules = render(family);
            var tables = live(family);
            foreach (var port in ports)
            {
                Port(text, port, model.For(family).NodeName);
                Rules(text, port, rules, tables, liveError);
            }
        }

        if (!any)
        {
            text.Append("  no port of it is programmed on this node\n");
        }

        // The agent keeps no per-Service history; the sync time is what it does record.
        text.Append("  rules last changed: unknown (the agent records no per-Service time; kubeproxy_sync_proxy_rules_last_timestamp_seconds on its metrics endpoint is its last write)\n");
        return text.ToString();
    }

    private static void Port(StringBuilder text, ServicePort port, string nodeName)
    {
        text.Append(CultureInfo.InvariantCulture, $"  port {port.Name.Port} {port.Protocol.Name()}: {IpText.FormatEndpoint(port.ClusterIP, port.Port)}");
        if (port.NodePort is { } nodePort)
        {
            text.Append(CultureInfo.InvariantCulture, $", node port {nodePort}");
        }

        foreach (var ip in port.ExternalIPs)
        {
            text.Append(", external IP ").Append(ip);
        }

        foreach (var ip in port.LoadBalancerIPs)
        {
            text.Append(", load balancer IP ").Append(ip);
        }

        text.Append(CultureInfo.InvariantCulture, $"; external traffic policy {(port.ExternalPolicyLocal ? "Local" : "Cluster")}, internal {(port.InternalPolicyLocal ? "Local" : "Cluster")}");
        text.Append(port.AffinitySeconds is { } seconds ? $", ClientIP affinity {seconds}s\n" : "\n");
        if (port.ServingEndpoints.IsEmpty)
        {
            text.Append("    endpoints: none ready or serving: connections are refused\n");
        }

        foreach (var endpoint in port.ServingEndpoints)
        {
            text.Append(CultureInfo.InvariantCulture, $"    {endpoint,-24} {endpoint.NodeName ?? "(no node)",-12} {State(endpoint),-22} {Why(port, endpoint, nodeName)}\n");
        }
    }

    private static string State(Endpoint e) =>
        (e.Ready ? "ready" : e.Serving ? "serving" : "not serving") + (e.Terminating ? ", terminating" : "");

    private static string Why(ServicePort port, Endpoint endpoint, string nodeName)
    {
        var cluster = port.ClusterEndpoints.Contains(endpoint);
        var local = port.LocalEndpoints.Contains(endpoint);
        var uses = new List<string>();
        if (cluster)
        {
            uses.Add(port.InternalPolicyLocal ? "external traffic" : "cluster traffic");
        }

        if (local)
        {
            uses.Add(port.ExternalPolicyLocal && port.InternalPolicyLocal ? "all Local-policy traffic" : port.ExternalPolicyLocal ? "external traffic (Local)" : "cluster traffic (Local)");
        }

        var notes = new List<string>();
        if (port.UsesLocalEndpoints && !endpoint.IsLocal)
        {
            notes.Add($"not for Local-policy traffic: on {endpoint.NodeName ?? "no node"}, not {nodeName}");
        }

        if (!cluster && port.UsesClusterEndpoints)
        {
            notes.Add(endpoint.Terminating && !endpoint.Ready ? "terminating: used only while no endpoint is ready"
                : !endpoint.Ready ? "not ready"
                : "topology hints send this node elsewhere");
        }

        var used = uses.Count > 0 ? "used for " + string.Join(" and ", uses) : "not used";
        return notes.Count == 0 ? used : $"{used}; {string.Join("; ", notes)}";
    }

    private static void Rules(StringBuilder text, ServicePort port, RuleSet rules, LiveTables? live, string? liveError)
    {
        var prefix = port.Name.ToString();
        var kernel = live?.Facts.GroupBy(f => (f.Key.Table, f.Key.Chain, f.Value.Text)).ToDictionary(g => g.Key, g => g.First().Value);
        var total = 0;
        var found = 0;
        text.Append(live is null ? $"    rules (as rendered; the node's were not read: {liveError}):\n" : "    rules, with this node's packet counters:\n");
        foreach (var table in rules.Tables)
        {
            var all = table.Jumps.Select(j => (Chain: j.BuiltinChain, j.Rule)).Concat(table.Chains.SelectMany(c => c.Rules.Select(r => (Chain: c.Name, Rule: r))));
            foreach (var (chain, rule) in all.Where(r => r.Rule.Comment is { } c && (c == prefix || c.StartsWith(prefix + " ", StringComparison.Ordinal))))
            {
                total++;
                var spec = rule.RenderSpec();
                var counter = "";
                if (kernel is not null)
                {
                    var held = kernel.GetValueOrDefault((table.Name, chain, spec));
                    found += held is null ? 0 : 1;
                    counter = held is null ? "[not in the kernel] " : $"[{held.Packets} pkts] ";
                }

                text.Append(CultureInfo.InvariantCulture, $"      {table.Name,-6} {counter}-A {chain} {spec}\n");
            }
        }

        if (live is not null)
        {
            text.Append(found == total
                ? "    the kernel holds every one of these rules: the agent has synced this Service\n"
                : $"    the kernel holds {found} of these {total} rules: the agent has not synced what the cluster says now (or is not running)\n");
        }
    }
}
