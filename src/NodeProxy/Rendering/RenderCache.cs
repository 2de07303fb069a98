using System.Collections.Immutable;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// Keeps the last render's pieces, so a sync renders only the ports that changed and puts
/// together only the chains they write to: at 10k services a full render costs ~0.5 s of CPU,
/// one endpoint change well under a millisecond of rendering. The result is always what
/// <see cref="Renderer.Render"/> gives without a cache. One cache per IP family and per caller;
/// not thread-safe.
/// </summary>
public sealed class RenderCache
{
    private readonly Dictionary<(string Table, string Chain), (ImmutableArray<Rule> Rules, Chain Chain)> shared = [];
    private readonly Dictionary<string, Rule> rules = [];
    private Dictionary<(System.Net.IPAddress, string), Rule> hairpinRules = [];
    private Dictionary<(System.Net.IPAddress, string), Rule> previousHairpinRules = [];
    private Inputs? inputs;
    private (ImmutableArray<HairpinOwner> Endpoints, ImmutableArray<HostPortMapping> HostPorts, ImmutableArray<(string, ImmutableArray<Rule>)> Chains)? hairpin;
    private (ImmutableArray<Rule> Rules, ImmutableArray<(string, ImmutableArray<Rule>)> Chains)? healthPorts;

    /// <summary>Service ports the last render had to render afresh (the rest came from the cache).</summary>
    public int LastRendered => lastRendered;

    private int lastRendered;

    internal PortRules Ports { get; private set; } = new();

    public RuleSet Render(NodeModel model) => Renderer.Render(model, this);

    /// <summary>Called by the renderer once per render, before any port.</summary>
    internal void Begin(NodeModel model, bool endpointComments)
    {
        var now = new Inputs(model.Family, model.MasqueradeMark, model.MasqueradeAll, model.PodCidr, string.Join(',', model.NodeIPs), endpointComments);
        if (now != inputs)
        {
            // Every port's rules depend on these: nothing cached is valid any more.
            Ports = new PortRules();
            shared.Clear();
            rules.Clear();
            hairpinRules.Clear();
            hairpin = null;
            healthPorts = null;
            inputs = now;
        }

        lastRendered = 0;
    }

    /// <summary>Brings <see cref="Ports"/> up to the model's ports, rendering with <paramref name="render"/> only those that changed.</summary>
    internal void UpdatePorts(NodeModel model, Func<ServicePort, ServiceRules> render) =>
        Ports.Update(model.Services, port =>
        {
            Interlocked.Increment(ref lastRendered);
            return render(port);
        }, ServicePortEquality.Instance.Equals);

    /// <summary>The hairpin chains made last time when the local endpoints (the same list) and hostPorts are the same.</summary>
    internal ImmutableArray<(string Chain, ImmutableArray<Rule> Rules)> Hairpin(
        ImmutableArray<HairpinOwner> endpoints, ImmutableArray<HostPortMapping> hostPorts, Func<ImmutableArray<(string, ImmutableArray<Rule>)>> make)
    {
        if (hairpin is not { } last || last.Endpoints != endpoints || !last.HostPorts.SequenceEqual(hostPorts))
        {
            // Masquerade rules of pods no longer listed are forgotten; the others keep their instance.
            (hairpinRules, previousHairpinRules) = (previousHairpinRules, hairpinRules);
            hairpinRules.Clear();
            hairpin = last = (endpoints, hostPorts, make());
        }

        return last.Chains;
    }

    /// <summary>The health check port chains made last time from the very same rules.</summary>
    internal ImmutableArray<(string Chain, ImmutableArray<Rule> Rules)> HealthPorts(ImmutableArray<Rule> rules, Func<ImmutableArray<(string, ImmutableArray<Rule>)>> make)
    {
        if (healthPorts is not { } last || last.Rules != rules)
        {
            healthPorts = last = (rules, make());
        }

        return last.Chains;
    }

    /// <summary>
    /// A jump the renderer makes outside any port (to a dispatch bucket, a hairpin or health
    /// port block): the same instance every render, so that the chain holding it can be
    /// <see cref="Reuse"/>d by reference. The key must name everything the rule depends on
    /// besides this cache's inputs, and come from a bounded set (a few thousand at most): these
    /// are never forgotten.
    /// </summary>
    internal Rule Rule(string key, Func<Rule> make)
    {
        if (!rules.TryGetValue(key, out var rule))
        {
            rules[key] = rule = make();
        }

        return rule;
    }

    /// <summary>A local pod's hairpin masquerade, by its address and owner: the instance of the last hairpin render.</summary>
    internal Rule HairpinRule(System.Net.IPAddress address, string owner, Func<Rule> make)
    {
        var key = (address, owner);
        if (!hairpinRules.TryGetValue(key, out var rule))
        {
            hairpinRules[key] = rule = previousHairpinRules.TryGetValue(key, out var last) ? last : make();
        }

        return rule;
    }

    /// <summary>
    /// A chain that is not one port's own (a dispatch bucket, NP-NODEPORTS, NP-POSTROUTING),
    /// rebuilt every render: the previous render's instance when its rules read the same, so the
    /// differ passes over it by reference as it does over an unchanged port's own chains.
    /// </summary>
    internal Chain Reuse(string table, string chain, ImmutableArray<Rule> chainRules)
    {
        var key = (table, chain);
        if (shared.TryGetValue(key, out var last) && (last.Rules == chainRules || SameText(last.Rules, chainRules)))
        {
            return last.Chain;
        }

        var made = Chain.Compact(chain, chainRules);
        shared[key] = (chainRules, made);
        return made;
    }

    // Compared before the chain's text is made: most of a shared chain's rules are the cache's
    // instances, and encoding 10k dispatch entries per render would cost more than the change.
    private static bool SameText(ImmutableArray<Rule> a, ImmutableArray<Rule> b) =>
        a.Length == b.Length && a.Zip(b).All(p => ReferenceEquals(p.First, p.Second) || p.First.RenderSpec() == p.Second.RenderSpec());

    private sealed record Inputs(IpFamily Family, uint Mark, bool MasqueradeAll, IpNet? PodCidr, string NodeIPs, bool EndpointComments);
}
