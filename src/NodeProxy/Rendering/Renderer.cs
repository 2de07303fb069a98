using System.Collections.Immutable;
using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>The node-local model -> the rule set for one IP family. Pure: no I/O, no clock.</summary>
public static class Renderer
{
    /// <param name="cache">Rules of unchanged ports from the previous render; see <see cref="RenderCache"/>.</param>
    public static RuleSet Render(NodeModel model, RenderCache? cache = null)
    {
        var nat = new TableBuilder("nat");
        var filter = new TableBuilder("filter");
        foreach (var chain in new[] { ChainNames.Services, ChainNames.NodePorts, ChainNames.HostPorts, ChainNames.Postrouting, ChainNames.Hairpin, ChainNames.Canary })
        {
            nat.Declare(chain);
        }

        foreach (var chain in new[] { ChainNames.Services, ChainNames.ExternalServices, ChainNames.NodePorts, ChainNames.Forward, ChainNames.Firewall, ChainNames.Canary })
        {
            filter.Declare(chain);
        }

        // A one-off render goes through a cache of its own: one way to render a port, not two.
        cache ??= new RenderCache();
        var endpointComments = cache.Ports.Endpoints(model.Services) <= LargeClusterEndpoints;
        cache.Begin(model, endpointComments);
        cache.UpdatePorts(model, p => RenderAlone(model, p, endpointComments));
        var ports = cache.Ports;
        nat.AddOwned(ports.Owned, ports.OwnedNamesUnique);
        foreach (var (table, chain, rules) in ports.Shared)
        {
            (table == "nat" ? nat : filter).Add(chain, rules);
        }

        Dispatch.Write(model.Family, nat, ports, cache);
        AddNodeTail(model, nat);
        HostPortRenderer.Render(model, nat);
        AddHairpin(model, nat, ports.Hairpins, cache);
        SplitHealthPorts(filter, cache);
        AddPostrouting(model, nat);
        AddFilterFixedRules(model, filter);
        AddJumps(model, nat, filter);
        return new RuleSet(model.Family, [filter.Build(ByRank, (c, r) => cache.Reuse("filter", c, r)), nat.Build(ByRank, (c, r) => cache.Reuse("nat", c, r))]);
    }

    private static ServiceRules RenderAlone(NodeModel model, ServicePort port, bool endpointComments)
    {
        TableBuilder nat = new("nat"), filter = new("filter");
        var dispatch = new Dispatch();
        new ServiceRenderer(model, nat, filter, dispatch, endpointComments).Render(port);
        var chains = nat.Chains().ToList();
        return new ServiceRules(
            [.. chains.Where(c => ChainNames.IsServiceOwned(c.Chain)).Select(c => Chain.Compact(c.Chain, c.Rules))],
            [.. chains.Where(c => !ChainNames.IsServiceOwned(c.Chain))],
            [.. filter.Chains()],
            [.. dispatch.Buckets()],
            [.. HairpinOwner.Of(port)]);
    }

    /// <summary>
    /// kube-proxy's threshold: with more endpoints than this (counted by the render cache), the
    /// per-endpoint DNAT rules carry no comment (their chain's rules still name the service). At
    /// 10k services that halves the bytes loaded and shrinks the kernel's table by ~25 MB.
    /// </summary>
    public const int LargeClusterEndpoints = 1000;

    /// <summary>Fixed chains first, then the dispatch buckets; the per-service chains come after both (see <see cref="TableBuilder.AddOwned"/>).</summary>
    private static int ByRank(string chain) =>
        chain.StartsWith("NP-SVCS-", StringComparison.Ordinal) ? 1 : 0;

    /// <summary>After the service IPs: hostPorts, then NodePorts, both only on this node's addresses.</summary>
    private static void AddNodeTail(NodeModel model, TableBuilder nat)
    {
        nat.Add(ChainNames.Services, RuleBuilder.Commented("nodeproxy hostports", new JumpTarget(ChainNames.HostPorts))
            .And(new AddrTypeLocalMatch(OfSource: false)));
        const string comment = "nodeproxy service nodeports; NOTE: this must be the last rule in this chain";
        if (model.NodePortIPs is { } addresses)
        {
            foreach (var address in addresses)
            {
                nat.Add(ChainNames.Services, RuleBuilder.Commented(comment, new JumpTarget(ChainNames.NodePorts)).To(address));
            }

            return;
        }

        var rule = RuleBuilder.Commented(comment, new JumpTarget(ChainNames.NodePorts)).And(new AddrTypeLocalMatch(OfSource: false));
        if (!model.LocalhostNodePorts)
        {
            rule = rule.To(model.Family.Loopback(), negated: true);
        }

        nat.Add(ChainNames.Services, rule);
    }

    /// <summary>
    /// A pod load-balanced back to itself must be masqueraded or it would answer itself directly.
    /// kube-proxy checks this in each endpoint's chain; without such chains the check is made
    /// once, after DNAT, per local pod IP (at most the pods of this node).
    /// </summary>
    private static void AddHairpin(NodeModel model, TableBuilder nat, ImmutableArray<HairpinOwner> endpoints, RenderCache cache)
    {
        foreach (var (chain, rules) in cache.Hairpin(endpoints, model.HostPorts, () => HairpinChains(model, endpoints, cache)))
        {
            nat.Add(chain, rules);
        }
    }

    private static ImmutableArray<(string Chain, ImmutableArray<Rule> Rules)> HairpinChains(NodeModel model, ImmutableArray<HairpinOwner> endpoints, RenderCache cache)
    {
        var nat = new TableBuilder("nat").Declare(ChainNames.Hairpin);
        var owners = new SortedDictionary<UInt128, (IPAddress Address, string Owner)>();
        foreach (var endpoint in endpoints)
        {
            owners.TryAdd(IpNet.ToBits(endpoint.Address), (endpoint.Address, endpoint.Owner));
        }

        foreach (var mapping in model.HostPorts)
        {
            owners.TryAdd(IpNet.ToBits(mapping.PodIP), (mapping.PodIP, $"{mapping.PodRef} hostPort {mapping.HostPort}"));
        }

        Rule Masquerade(IPAddress address, string owner) => cache.HairpinRule(address, owner, () =>
            RuleBuilder.Commented($"hairpin {owner}", new MasqueradeTarget()).From(address).To(address));
        if (owners.Count <= HairpinFlatMax)
        {
            foreach (var (address, owner) in owners.Values)
            {
                nat.Add(ChainNames.Hairpin, Masquerade(address, owner));
            }

            return [.. nat.Chains()];
        }

        // Every DNATed connection walks this chain once: with many local pods, two levels of 16
        // by the destination's last byte keep that walk to ~32 rules plus a handful.
        var family = model.Family;
        foreach (var high in owners.Values.GroupBy(o => o.Address.GetAddressBytes()[^1] >> 4))
        {
            var highChain = ChainNames.HairpinBucket(high.Key);
            nat.Add(ChainNames.Hairpin, cache.Rule(highChain, () => RuleBuilder.Commented($"hairpin: pod IPs whose last byte is 0x{high.Key:X1}_", new JumpTarget(highChain))
                .To(Dispatch.LastByte(family, (byte)(high.Key << 4), 0xf0))));
            foreach (var low in high.GroupBy(o => o.Address.GetAddressBytes()[^1]))
            {
                var lowChain = ChainNames.HairpinBucket(low.Key);
                nat.Add(highChain, cache.Rule(lowChain, () => RuleBuilder.Commented($"hairpin: pod IPs whose last byte is 0x{low.Key:X2}", new JumpTarget(lowChain))
                    .To(Dispatch.LastByte(family, low.Key, 0xff))));
                foreach (var (address, owner) in low)
                {
                    nat.Add(lowChain, Masquerade(address, owner));
                }
            }
        }

        return [.. nat.Chains()];
    }

    /// <summary>
    /// Every packet into the node walks filter NP-NODEPORTS (not only new connections: kube-proxy's
    /// rule is the same), one ACCEPT per eTP=Local health check port. Past
    /// <see cref="HealthPortsFlatMax"/> of them they are split into fixed blocks of ports, so a
    /// packet walks one rule per block in use plus one block, and a port's rule never moves.
    /// </summary>
    private static void SplitHealthPorts(TableBuilder filter, RenderCache cache)
    {
        var rules = filter.Take(ChainNames.NodePorts);
        foreach (var (chain, chainRules) in cache.HealthPorts(rules, () => HealthPortChains(rules, cache)))
        {
            filter.Add(chain, chainRules);
        }
    }

    private static ImmutableArray<(string Chain, ImmutableArray<Rule> Rules)> HealthPortChains(ImmutableArray<Rule> rules, RenderCache cache)
    {
        var filter = new TableBuilder("filter").Declare(ChainNames.NodePorts);
        if (rules.Length <= HealthPortsFlatMax || rules.Any(r => !r.Matches.OfType<DestinationPortMatch>().Any()))
        {
            filter.Add(ChainNames.NodePorts, rules);
            return [.. filter.Chains()];
        }

        foreach (var block in rules.GroupBy(r => r.Matches.OfType<DestinationPortMatch>().First().Port / HealthPortBlock).OrderBy(b => b.Key))
        {
            var chain = ChainNames.HealthPortBucket(block.Key);
            var from = block.Key * HealthPortBlock;
            filter.Add(ChainNames.NodePorts, cache.Rule(chain, () => RuleBuilder.Commented($"health check node ports {from}-{from + HealthPortBlock - 1}", new JumpTarget(chain))
                .Proto(Protocol.Tcp)
                .And(new DestinationPortRangeMatch(Protocol.Tcp, from, from + HealthPortBlock - 1))));
            foreach (var rule in block)
            {
                filter.Add(chain, rule);
            }
        }

        return [.. filter.Chains()];
    }

    public const int HealthPortsFlatMax = 32;

    public const int HealthPortBlock = 64;

    /// <summary>Up to this many local pod IPs NP-HAIRPIN is one flat list (what small nodes and the golden files have).</summary>
    public const int HairpinFlatMax = 32;

    private static void AddPostrouting(NodeModel model, TableBuilder nat)
    {
        if (model.LocalhostNodePorts)
        {
            // Only counts (kubeproxy_iptables_localhost_nodeports_accepted_packets_total): nat sees
            // the first packet of each connection, and only NodePorts (and hostPorts) DNAT from 127.0.0.0/8.
            nat.Declare(ChainNames.LocalhostNodePorts);
            nat.Add(ChainNames.Postrouting, RuleBuilder.Commented("nodeproxy localhost nodeports accepted", new JumpTarget(ChainNames.LocalhostNodePorts))
                .And(new ConntrackOriginalDestinationMatch(model.Family.Loopback())));
        }

        var mark = model.MasqueradeMark;
        nat.Add(ChainNames.Postrouting, RuleBuilder.Commented("nodeproxy hairpin traffic", new JumpTarget(ChainNames.Hairpin))
            .And(new ConntrackStateMatch("DNAT")));
        nat.Add(ChainNames.Postrouting, RuleBuilder.Commented("nodeproxy traffic not requiring SNAT", VerdictTarget.Return)
            .And(new MarkMatch(mark, Negated: true)));
        // Cleared so that a packet traversing the chain again is not masqueraded twice.
        nat.Add(ChainNames.Postrouting, RuleBuilder.Commented("nodeproxy clear masquerade mark", new ClearMarkTarget(mark)));
        nat.Add(ChainNames.Postrouting, RuleBuilder.Commented("nodeproxy service traffic requiring SNAT", new MasqueradeTarget()));
    }

    private static void AddFilterFixedRules(NodeModel model, TableBuilder filter)
    {
        filter.Add(ChainNames.Forward, RuleBuilder.Commented("nodeproxy drop invalid conntrack state", VerdictTarget.Drop)
            .And(new ConntrackStateMatch("INVALID")));
        filter.Add(ChainNames.Forward, RuleBuilder.Commented("nodeproxy forwarding rules", VerdictTarget.Accept)
            .And(new MarkMatch(model.MasqueradeMark)));
        filter.Add(ChainNames.Forward, RuleBuilder.Commented("nodeproxy forwarding conntrack rule", VerdictTarget.Accept)
            .And(new ConntrackStateMatch("RELATED,ESTABLISHED")));
        if (model.LocalhostNodePorts)
        {
            // route_localnet lets outsiders reach 127.0.0.0/8; only DNATed localhost NodePorts may.
            // Every packet is checked, not only NEW ones, as kube-proxy's KUBE-FIREWALL does.
            var loopback = model.Family.Loopback();
            filter.Add(ChainNames.Localnet, RuleBuilder.Commented("nodeproxy block incoming localnet connections", VerdictTarget.Drop)
                .From(loopback, negated: true)
                .To(loopback)
                .And(new ConntrackStateMatch("RELATED,ESTABLISHED,DNAT", Negated: true)));
        }
    }

    private static void AddJumps(NodeModel model, TableBuilder nat, TableBuilder filter)
    {
        if (model.LocalhostNodePorts)
        {
            filter.Jump("INPUT", RuleBuilder.Commented("nodeproxy localnet protection", new JumpTarget(ChainNames.Localnet)));
            filter.Jump("OUTPUT", RuleBuilder.Commented("nodeproxy localnet protection", new JumpTarget(ChainNames.Localnet)));
        }

        nat.Jump("PREROUTING", RuleBuilder.Commented("nodeproxy service portals", new JumpTarget(ChainNames.Services)));
        nat.Jump("OUTPUT", RuleBuilder.Commented("nodeproxy service portals", new JumpTarget(ChainNames.Services)));
        nat.Jump("POSTROUTING", RuleBuilder.Commented("nodeproxy postrouting rules", new JumpTarget(ChainNames.Postrouting)));

        Rule New(string comment, string chain) =>
            RuleBuilder.Commented(comment, new JumpTarget(chain)).And(new ConntrackStateMatch("NEW"));
        filter.Jump("INPUT", RuleBuilder.Commented("nodeproxy health check service ports", new JumpTarget(ChainNames.NodePorts)));
        filter.Jump("INPUT", New("nodeproxy externally-visible service portals", ChainNames.ExternalServices));
        filter.Jump("INPUT", New("nodeproxy load balancer firewall", ChainNames.Firewall));
        filter.Jump("FORWARD", New("nodeproxy load balancer firewall", ChainNames.Firewall));
        filter.Jump("FORWARD", New("nodeproxy service portals", ChainNames.Services));
        filter.Jump("FORWARD", New("nodeproxy externally-visible service portals", ChainNames.ExternalServices));
        filter.Jump("FORWARD", RuleBuilder.Commented("nodeproxy forwarding rules", new JumpTarget(ChainNames.Forward)));
        filter.Jump("OUTPUT", New("nodeproxy load balancer firewall", ChainNames.Firewall));
        filter.Jump("OUTPUT", New("nodeproxy service portals", ChainNames.Services));
    }
}
