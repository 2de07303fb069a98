using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using NodeProxy.Model;
using NodeProxy.Net;

namespace NodeProxy.Bench;

/// <summary>
/// The iptables-restore input kube-proxy's iptables mode would write for a node model: the baseline
/// NodeProxy's layout is measured against, loaded by the same iptables-restore. It follows the
/// behavioural reference (chain layout, name hashing, restore layout, partial sync), so the
/// comparison shows what the layouts cost, not what two differently featured renderers cost.
/// </summary>
internal static class KubeProxyLayout
{
    // kube-proxy drops the per-endpoint comments above this many endpoints ("large cluster mode").
    private const int LargeClusterEndpoints = 1000;

    private const string Services = "KUBE-SERVICES";
    private const string ExternalServices = "KUBE-EXTERNAL-SERVICES";
    private const string NodePorts = "KUBE-NODEPORTS";
    private const string Forward = "KUBE-FORWARD";
    private const string ProxyFirewall = "KUBE-PROXY-FIREWALL";
    private const string Localnet = "KUBE-FIREWALL";
    private const string Postrouting = "KUBE-POSTROUTING";
    private const string MarkMasq = "KUBE-MARK-MASQ";

    private static readonly string[] NatChains = [Services, NodePorts, Postrouting, MarkMasq];

    /// <summary>
    /// Full sync: every chain declared and written, plus the jumps from the built-in chains that
    /// kube-proxy adds with <c>iptables -I</c> on full syncs. As <c>-I</c> lines in the same order,
    /// they end up in kube-proxy's order, but would duplicate if loaded twice: this is the load into
    /// empty tables.
    /// </summary>
    public static string Full(NodeModel model)
    {
        var comments = !IsLargeCluster(model);
        var services = model.Services.Select(port => Render(model, port, comments)).ToList();
        return Write(model, services, written: _ => true, stale: [], jumps: true);
    }

    /// <summary>
    /// Partial sync from <paramref name="before"/> to <paramref name="after"/>: the top-level chains
    /// whole, the chains of changed services (all ports of a service whose port or endpoints
    /// changed, as kube-proxy's change trackers key on the namespaced name), and flush-and-delete
    /// of service chains that went away. Stale chains are always deleted, as if the large-cluster
    /// clean-up throttle had expired.
    /// </summary>
    public static string Partial(NodeModel before, NodeModel after)
    {
        // Crossing the large-cluster threshold does not rewrite unchanged services in kube-proxy,
        // so both sides are rendered in the new mode and compared as such.
        var comments = !IsLargeCluster(after);
        var previousLines = before.Services.Select(port => Render(before, port, comments)).ToList();
        var old = new Dictionary<string, ServiceLines>(StringComparer.Ordinal);
        foreach (var lines in previousLines)
        {
            old[lines.Key] = lines;
        }

        var services = after.Services.Select(port => Render(after, port, comments)).ToList();
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lines in services)
        {
            if (!old.Remove(lines.Key, out var previous) || !previous.SameAs(lines))
            {
                changed.Add(lines.Owner);
            }
        }

        // What is left in old are deleted ports; the service's other ports count as changed too.
        changed.UnionWith(old.Values.Select(lines => lines.Owner));

        var active = services.SelectMany(lines => lines.Chains).ToHashSet(StringComparer.Ordinal);
        var stale = previousLines
            .SelectMany(lines => lines.Chains)
            .Where(chain => !active.Contains(chain))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return Write(after, services, lines => changed.Contains(lines.Owner), stale, jumps: false);
    }

    /// <summary>The service IP:port whose KUBE-SERVICES rule comes last: the longest walk for a first packet.</summary>
    public static (IPAddress Address, int Port) LastDispatched(NodeModel model)
    {
        for (var i = model.Services.Length - 1; i >= 0; i--)
        {
            var port = model.Services[i];
            if (Policy.Of(port).HasInternalEndpoints)
            {
                return (port.ClusterIP, port.Port);
            }
        }

        throw new InvalidOperationException("no service has a KUBE-SERVICES rule");
    }

    private static string Write(NodeModel model, List<ServiceLines> services, Func<ServiceLines, bool> written, List<string> stale, bool jumps)
    {
        var text = new StringBuilder(1 << 16);
        var mark = Mark(model.MasqueradeMark);

        text.Append("*filter\n");
        string[] filterChains = model.LocalhostNodePorts
            ? [Services, ExternalServices, Forward, NodePorts, ProxyFirewall, Localnet]
            : [Services, ExternalServices, Forward, NodePorts, ProxyFirewall];
        foreach (var chain in filterChains)
        {
            ChainLine(text, chain);
        }

        foreach (var lines in services)
        {
            Lines(text, lines.Filter);
        }

        text.Append("-A ").Append(Forward).Append(" -m conntrack --ctstate INVALID -j DROP\n");
        text.Append("-A ").Append(Forward).Append(" -m comment --comment \"kubernetes forwarding rules\" -m mark --mark ")
            .Append(mark).Append('/').Append(mark).Append(" -j ACCEPT\n");
        text.Append("-A ").Append(Forward)
            .Append(" -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        if (model.LocalhostNodePorts)
        {
            text.Append("-A ").Append(Localnet)
                .Append(" -m comment --comment \"block incoming localnet connections\" -d 127.0.0.0/8 ! -s 127.0.0.0/8")
                .Append(" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n");
        }

        if (jumps)
        {
            if (model.LocalhostNodePorts)
            {
                text.Append("-I INPUT -j ").Append(Localnet).Append('\n');
                text.Append("-I OUTPUT -j ").Append(Localnet).Append('\n');
            }

            Jump(text, "INPUT", "kubernetes externally-visible service portals", ExternalServices, isNew: true);
            Jump(text, "FORWARD", "kubernetes externally-visible service portals", ExternalServices, isNew: true);
            Jump(text, "INPUT", "kubernetes health check service ports", NodePorts, isNew: false);
            Jump(text, "FORWARD", "kubernetes service portals", Services, isNew: true);
            Jump(text, "OUTPUT", "kubernetes service portals", Services, isNew: true);
            Jump(text, "FORWARD", "kubernetes forwarding rules", Forward, isNew: false);
            Jump(text, "INPUT", "kubernetes load balancer firewall", ProxyFirewall, isNew: true);
            Jump(text, "OUTPUT", "kubernetes load balancer firewall", ProxyFirewall, isNew: true);
            Jump(text, "FORWARD", "kubernetes load balancer firewall", ProxyFirewall, isNew: true);
        }

        text.Append("COMMIT\n*nat\n");
        foreach (var chain in NatChains)
        {
            ChainLine(text, chain);
        }

        foreach (var lines in services.Where(written))
        {
            foreach (var chain in lines.Chains)
            {
                ChainLine(text, chain);
            }
        }

        foreach (var chain in stale)
        {
            ChainLine(text, chain);
        }

        text.Append("-A ").Append(Postrouting).Append(" -m mark ! --mark ").Append(mark).Append('/').Append(mark).Append(" -j RETURN\n");
        text.Append("-A ").Append(Postrouting).Append(" -j MARK --xor-mark ").Append(mark).Append('\n');
        text.Append("-A ").Append(Postrouting)
            .Append(" -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n");
        text.Append("-A ").Append(MarkMasq).Append(" -j MARK --or-mark ").Append(mark).Append('\n');

        // Dispatch rules and the service's own chains interleave as kube-proxy writes them; only
        // the order within a chain matters to iptables-restore.
        foreach (var lines in services)
        {
            Lines(text, lines.Dispatch);
            if (written(lines))
            {
                Lines(text, lines.Rules);
            }
        }

        AppendNodePortsJump(text, model);
        foreach (var chain in stale)
        {
            text.Append("-X ").Append(chain).Append('\n');
        }

        if (jumps)
        {
            Jump(text, "OUTPUT", "kubernetes service portals", Services, isNew: false);
            Jump(text, "PREROUTING", "kubernetes service portals", Services, isNew: false);
            Jump(text, "POSTROUTING", "kubernetes postrouting rules", Postrouting, isNew: false);
        }

        text.Append("COMMIT\n");
        return text.ToString();
    }

    private static void AppendNodePortsJump(StringBuilder text, NodeModel model)
    {
        const string comment = "-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\"";
        if (model.NodePortIPs is { } addresses)
        {
            foreach (var address in addresses)
            {
                // A loopback NodePort address only works with route_localnet, which is IPv4 only.
                if (IPAddress.IsLoopback(address) && (model.Family == IpFamily.V6 || !model.LocalhostNodePorts))
                {
                    continue;
                }

                text.Append("-A ").Append(Services).Append(' ').Append(comment).Append(" -d ").Append(address)
                    .Append(" -j ").Append(NodePorts).Append('\n');
            }

            return;
        }

        text.Append("-A ").Append(Services).Append(' ').Append(comment).Append(" -m addrtype --dst-type LOCAL");
        if (model.Family == IpFamily.V6 || !model.LocalhostNodePorts)
        {
            text.Append(" ! -d ").Append(model.Family.Loopback());
        }

        text.Append(" -j ").Append(NodePorts).Append('\n');
    }

    /// <summary>Everything one service port contributes: top-level rules always, its own chains when written.</summary>
    private static ServiceLines Render(NodeModel model, ServicePort port, bool comments)
    {
        var name = port.Name.ToString();
        var proto = port.Protocol.Name();
        var hash = Hash(name + proto);
        var (svc, svl, ext, fw) = ("KUBE-SVC-" + hash, "KUBE-SVL-" + hash, "KUBE-EXT-" + hash, "KUBE-FW-" + hash);
        var policy = Policy.Of(port);
        var internalChain = port.InternalPolicyLocal ? svl : svc;
        var externalChain = port.ExternalPolicyLocal ? svl : svc;
        var usesExternalChain = port.HasEndpoints && port.ExternallyAccessible;
        var usesFirewall = port.HasEndpoints && port.LoadBalancerIPs.Length > 0 && port.SourceRanges.Length > 0;
        var match = $"-m {proto} -p {proto}";
        var lines = new ServiceLines($"{name}/{proto}", $"{port.Name.Namespace}/{port.Name.Name}");

        // Without (local) endpoints the filter table answers instead: REJECT when there are none
        // anywhere, DROP when only this node has none for a Local policy.
        var (filterComment, filterTarget) = port.HasEndpoints
            ? (Quote($"{name} has no local endpoints"), "DROP")
            : (Quote($"{name} has no endpoints"), "REJECT");

        if (policy.HasInternalEndpoints)
        {
            lines.Dispatch.Add($"-A {Services} -m comment --comment {Quote($"{name} cluster IP")} {match} -d {port.ClusterIP} --dport {port.Port} -j {internalChain}");
        }
        else
        {
            lines.Filter.Add($"-A {Services} -m comment --comment {filterComment} {match} -d {port.ClusterIP} --dport {port.Port} -j {filterTarget}");
        }

        foreach (var address in port.ExternalIPs)
        {
            if (port.HasEndpoints)
            {
                lines.Dispatch.Add($"-A {Services} -m comment --comment {Quote($"{name} external IP")} {match} -d {address} --dport {port.Port} -j {ext}");
            }

            if (!policy.HasExternalEndpoints)
            {
                lines.Filter.Add($"-A {ExternalServices} -m comment --comment {filterComment} {match} -d {address} --dport {port.Port} -j {filterTarget}");
            }
        }

        foreach (var address in port.LoadBalancerIPs)
        {
            if (port.HasEndpoints)
            {
                lines.Dispatch.Add($"-A {Services} -m comment --comment {Quote($"{name} loadbalancer IP")} {match} -d {address} --dport {port.Port} -j {(usesFirewall ? fw : ext)}");
            }

            if (usesFirewall)
            {
                lines.Filter.Add($"-A {ProxyFirewall} -m comment --comment {Quote($"{name} traffic not accepted by {fw}")} {match} -d {address} --dport {port.Port} -j DROP");
            }

            if (!policy.HasExternalEndpoints)
            {
                lines.Filter.Add($"-A {ExternalServices} -m comment --comment {filterComment} {match} -d {address} --dport {port.Port} -j {filterTarget}");
            }
        }

        if (port.NodePort is { } nodePort)
        {
            if (port.HasEndpoints)
            {
                lines.Dispatch.Add($"-A {NodePorts} -m comment --comment {Quote(name)} {match} --dport {nodePort} -j {ext}");
            }

            if (!policy.HasExternalEndpoints)
            {
                lines.Filter.Add($"-A {ExternalServices} -m comment --comment {filterComment} -m addrtype --dst-type LOCAL {match} --dport {nodePort} -j {filterTarget}");
            }
        }

        if (port.HealthCheckNodePort is { } healthPort)
        {
            lines.Filter.Add($"-A {NodePorts} -m comment --comment {Quote($"{name} health check node port")} -m tcp -p tcp --dport {healthPort} -j ACCEPT");
        }

        // The service's own chains; declared in the reference's order, SVC first.
        if (policy.UsesClusterChain)
        {
            lines.Chains.Add(svc);
        }

        if (policy.UsesLocalChain)
        {
            lines.Chains.Add(svl);
        }

        if (usesExternalChain)
        {
            lines.Chains.Add(ext);
        }

        if (usesFirewall)
        {
            lines.Chains.Add(fw);
        }

        if (policy.HasInternalEndpoints)
        {
            var clusterIP = $"-A {internalChain} -m comment --comment {Quote($"{name} cluster IP")} {match} -d {port.ClusterIP} --dport {port.Port}";
            if (model.MasqueradeAll)
            {
                lines.Rules.Add($"{clusterIP} -j {MarkMasq}");
            }
            else if (model.PodCidr is { } pods)
            {
                lines.Rules.Add($"{clusterIP} ! -s {pods} -j {MarkMasq}");
            }
        }

        if (usesExternalChain)
        {
            if (!port.ExternalPolicyLocal)
            {
                lines.Rules.Add($"-A {ext} -m comment --comment {Quote($"masquerade traffic for {name} external destinations")} -j {MarkMasq}");
            }
            else if (policy.UsesClusterChain)
            {
                // Pods reaching an external address behave as if they had gone out and come back:
                // all endpoints, no masquerade. Host processes are masqueraded to the cluster set.
                if (model.PodCidr is { } pods)
                {
                    lines.Rules.Add($"-A {ext} -m comment --comment {Quote($"pod traffic for {name} external destinations")} -s {pods} -j {svc}");
                }

                lines.Rules.Add($"-A {ext} -m comment --comment {Quote($"masquerade LOCAL traffic for {name} external destinations")} -m addrtype --src-type LOCAL -j {MarkMasq}");
                lines.Rules.Add($"-A {ext} -m comment --comment {Quote($"route LOCAL traffic for {name} external destinations")} -m addrtype --src-type LOCAL -j {svc}");
            }

            if (policy.HasExternalEndpoints)
            {
                lines.Rules.Add($"-A {ext} -j {externalChain}");
            }
        }

        if (usesFirewall)
        {
            var loadBalancer = Quote($"{name} loadbalancer IP");
            foreach (var range in port.SourceRanges)
            {
                lines.Rules.Add($"-A {fw} -m comment --comment {loadBalancer} -s {range} -j {ext}");
            }

            // VIP-style balancers loop node traffic back with the VIP as source.
            if (port.SourceRanges.Any(range => model.NodeIPs.Any(range.Contains)))
            {
                foreach (var address in port.LoadBalancerIPs)
                {
                    lines.Rules.Add($"-A {fw} -m comment --comment {loadBalancer} -s {address} -j {ext}");
                }
            }

            lines.Rules.Add($"-A {fw} -m comment --comment {Quote($"other traffic to {name} will be dropped by {ProxyFirewall}")}");
        }

        if (policy.UsesClusterChain)
        {
            ToEndpoints(lines.Rules, svc, name, proto, port, policy.Cluster, comments);
        }

        if (policy.UsesLocalChain)
        {
            ToEndpoints(lines.Rules, svl, name, proto, port, policy.Local, comments);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in policy.Cluster.Concat(policy.Local))
        {
            var target = endpoint.ToString();
            if (!seen.Add(target))
            {
                continue;
            }

            var sep = EndpointChain(name, proto, target);
            var comment = comments ? $" -m comment --comment {Quote(name)}" : "";
            var affinity = port.AffinitySeconds is null ? "" : $" -m recent --name {sep} --set";
            lines.Chains.Add(sep);
            // A pod balanced back to itself must be masqueraded or it would answer itself directly.
            lines.Rules.Add($"-A {sep}{comment} -s {endpoint.Address} -j {MarkMasq}");
            lines.Rules.Add($"-A {sep}{comment}{affinity} {match} -j DNAT --to-destination {target}");
        }

        return lines;
    }

    /// <summary>
    /// Sticky clients first (one recent-list check per endpoint), then the uniform choice: rule i
    /// of n takes 1/(n-i) of what reaches it, the last takes the rest.
    /// </summary>
    private static void ToEndpoints(List<string> rules, string chain, string name, string proto, ServicePort port, IReadOnlyList<Endpoint> endpoints, bool comments)
    {
        string Comment(string target) => comments ? $" -m comment --comment {Quote($"{name} -> {target}")}" : "";

        if (port.AffinitySeconds is { } seconds)
        {
            foreach (var endpoint in endpoints)
            {
                var target = endpoint.ToString();
                var sep = EndpointChain(name, proto, target);
                rules.Add($"-A {chain}{Comment(target)} -m recent --name {sep} --rcheck --seconds {seconds} --reap -j {sep}");
            }
        }

        for (var i = 0; i < endpoints.Count; i++)
        {
            var target = endpoints[i].ToString();
            var sep = EndpointChain(name, proto, target);
            var statistic = i < endpoints.Count - 1 ? $" -m statistic --mode random --probability {Probability(endpoints.Count - i)}" : "";
            rules.Add($"-A {chain}{Comment(target)}{statistic} -j {sep}");
        }
    }

    private static bool IsLargeCluster(NodeModel model) =>
        model.Services.Sum(port => Math.Max(port.ServingEndpoints.Length, Policy.Of(port).Reachable)) > LargeClusterEndpoints;

    private static string EndpointChain(string name, string proto, string endpoint) => "KUBE-SEP-" + Hash(name + proto + endpoint);

    /// <summary>First 16 characters of base32(sha256(text)): 80 bits, so the first 10 bytes.</summary>
    private static string Hash(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), digest);
        var chars = new char[16];
        for (var group = 0; group < 2; group++)
        {
            ulong bits = 0;
            for (var b = 0; b < 5; b++)
            {
                bits = bits << 8 | digest[group * 5 + b];
            }

            for (var c = 0; c < 8; c++)
            {
                chars[group * 8 + c] = alphabet[(int)(bits >> (35 - c * 5)) & 31];
            }
        }

        return new string(chars);
    }

    /// <summary>Go's %0.10f, which kube-proxy uses: always ten decimals.</summary>
    private static string Probability(int n) => (1.0 / n).ToString("F10", CultureInfo.InvariantCulture);

    /// <summary>Go's %#08x: eight digits after the 0x (the width does not count the prefix).</summary>
    private static string Mark(uint mark) => "0x" + mark.ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>kube-proxy quotes the comments that contain spaces, and only those.</summary>
    private static string Quote(string comment) => comment.Contains(' ', StringComparison.Ordinal) ? $"\"{comment}\"" : comment;

    private static void ChainLine(StringBuilder text, string chain) => text.Append(':').Append(chain).Append(" - [0:0]\n");

    private static void Jump(StringBuilder text, string from, string comment, string to, bool isNew)
    {
        text.Append("-I ").Append(from).Append(" -m comment --comment ").Append(Quote(comment));
        if (isNew)
        {
            text.Append(" -m conntrack --ctstate NEW");
        }

        text.Append(" -j ").Append(to).Append('\n');
    }

    private static void Lines(StringBuilder text, List<string> lines)
    {
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }
    }

    /// <summary>Which endpoint sets a service port uses, in kube-proxy's terms.</summary>
    private sealed record Policy(IReadOnlyList<Endpoint> Cluster, IReadOnlyList<Endpoint> Local, bool InternalLocal, bool ExternalLocal)
    {
        public static Policy Of(ServicePort port) => new(
            port.UsesClusterEndpoints ? port.ClusterEndpoints : [],
            port.UsesLocalEndpoints ? port.LocalEndpoints : [],
            port.InternalPolicyLocal,
            port.ExternalPolicyLocal);

        public bool UsesClusterChain => Cluster.Count > 0;

        public bool UsesLocalChain => Local.Count > 0;

        public bool HasInternalEndpoints => InternalLocal ? UsesLocalChain : UsesClusterChain;

        public bool HasExternalEndpoints => ExternalLocal ? UsesLocalChain : UsesClusterChain;

        public int Reachable => Cluster.Concat(Local).Select(e => (e.Address, e.Port)).Distinct().Count();
    }

    /// <summary>
    /// One service port's lines. Dispatch and Filter are top-level rules, written on every sync;
    /// Chains and Rules are the port's own chains, written only when the service changed.
    /// </summary>
    private sealed class ServiceLines(string key, string owner)
    {
        public string Key { get; } = key;

        /// <summary>The namespaced name: kube-proxy's unit of change.</summary>
        public string Owner { get; } = owner;

        public List<string> Dispatch { get; } = [];
        public List<string> Filter { get; } = [];
        public List<string> Chains { get; } = [];
        public List<string> Rules { get; } = [];

        public bool SameAs(ServiceLines other) =>
            Dispatch.SequenceEqual(other.Dispatch, StringComparer.Ordinal)
            && Filter.SequenceEqual(other.Filter, StringComparer.Ordinal)
            && Chains.SequenceEqual(other.Chains, StringComparer.Ordinal)
            && Rules.SequenceEqual(other.Rules, StringComparer.Ordinal);
    }
}
