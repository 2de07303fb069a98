using System.Collections.Immutable;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// Remembers each service port's rules from the previous render, so a sync renders only the
/// ports that changed: at 10k services a full render costs ~0.5 s of CPU per sync, a change to
/// one service a few milliseconds. The result is always what <see cref="Renderer.Render"/> gives.
/// One cache per IP family and per caller; not thread-safe.
/// </summary>
public sealed class RenderCache
{
    private Dictionary<ServicePort, ServiceRules> previous = new(ServicePortEquality.Instance);
    private Dictionary<ServicePort, ServiceRules> current = new(ServicePortEquality.Instance);
    private Inputs? inputs;

    /// <summary>Service ports the last render had to render afresh (the rest came from the cache).</summary>
    public int LastRendered { get; private set; }

    public RuleSet Render(NodeModel model) => Renderer.Render(model, this);

    /// <summary>Called by the renderer once per render, before any port.</summary>
    internal void Begin(NodeModel model, bool endpointComments)
    {
        var now = new Inputs(model.Family, model.MasqueradeMark, model.MasqueradeAll, model.PodCidr, string.Join(',', model.NodeIPs), endpointComments);
        if (now != inputs)
        {
            // Every port's rules depend on these: nothing cached is valid any more.
            previous.Clear();
            inputs = now;
        }

        current.Clear();
        LastRendered = 0;
    }

    internal ServiceRules For(ServicePort port, Func<ServicePort, ServiceRules> render)
    {
        if (current.TryGetValue(port, out var rules) || previous.TryGetValue(port, out rules))
        {
            current[port] = rules;
            return rules;
        }

        LastRendered++;
        return current[port] = render(port);
    }

    /// <summary>Called once the render is done: what was not used this time is forgotten.</summary>
    internal void End() => (previous, current) = (current, previous);

    private sealed record Inputs(IpFamily Family, uint Mark, bool MasqueradeAll, IpNet? PodCidr, string NodeIPs, bool EndpointComments);
}

/// <summary>One service port's contribution to the tables, replayable into the real builders.</summary>
internal sealed record ServiceRules(
    ImmutableArray<(string Chain, ImmutableArray<Rule> Rules)> Nat,
    ImmutableArray<(string Chain, ImmutableArray<Rule> Rules)> Filter,
    Dispatch Dispatch,
    ImmutableArray<HairpinOwner> Hairpins)
{
    public void CopyTo(TableBuilder nat, TableBuilder filter, Dispatch dispatch, List<HairpinOwner> hairpins)
    {
        foreach (var (chain, rules) in Nat)
        {
            nat.Add(chain, rules);
        }

        foreach (var (chain, rules) in Filter)
        {
            filter.Add(chain, rules);
        }

        Dispatch.CopyTo(dispatch);
        hairpins.AddRange(Hairpins);
    }
}
