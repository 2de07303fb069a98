using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// One service port's rules: its chains (usually just NP-SVC-*), its dispatch entries and its
/// filter verdicts. The packet outcomes are kube-proxy's; the layout is lighter: no chain per
/// endpoint, and no separate external chain unless externalTrafficPolicy is Local.
/// </summary>
internal sealed class ServiceRenderer(NodeModel model, TableBuilder nat, TableBuilder filter, Dispatch dispatch, bool endpointComments = true)
{
    public void Render(ServicePort port)
    {
        var name = port.Name.ToString();
        var clusterChain = port.UsesClusterEndpoints && port.ClusterEndpoints.Length > 0 ? ChainNames.ClusterChain(port) : null;
        var localChain = port.UsesLocalEndpoints && port.LocalEndpoints.Length > 0 ? ChainNames.LocalChain(port) : null;
        var internalChain = port.InternalPolicyLocal ? localChain : clusterChain;
        var externalChain = !port.ExternallyAccessible || !port.HasEndpoints ? null
            : port.ExternalPolicyLocal ? ChainNames.ExternalChain(port) : clusterChain;

        if (clusterChain is not null)
        {
            if (internalChain == clusterChain)
            {
                AddClusterIPMasquerade(clusterChain, port);
            }

            if (externalChain == clusterChain)
            {
                // Reached by a destination other than the cluster IP: NodePort, externalIP or LB IP.
                nat.Add(clusterChain, RuleBuilder.Commented($"masquerade traffic for {name} external destinations", new SetMarkTarget(model.MasqueradeMark))
                    .To(port.ClusterIP, negated: true));
            }

            foreach (var rule in EndpointRules.For(port, port.ClusterEndpoints, endpointComments))
            {
                nat.Add(clusterChain, rule);
            }
        }

        if (localChain is not null)
        {
            if (internalChain == localChain)
            {
                AddClusterIPMasquerade(localChain, port);
            }

            foreach (var rule in EndpointRules.For(port, port.LocalEndpoints, endpointComments))
            {
                nat.Add(localChain, rule);
            }
        }

        if (port.ExternalPolicyLocal && externalChain is not null)
        {
            RenderExternalLocalChain(port, externalChain, clusterChain, localChain);
        }

        RenderClusterIP(port, internalChain);
        RenderExternal(port, externalChain);
    }

    private void AddClusterIPMasquerade(string chain, ServicePort port)
    {
        var rule = RuleBuilder.Commented($"{port.Name} cluster IP", new SetMarkTarget(model.MasqueradeMark))
            .To(port.ClusterIP)
            .Port(port.Protocol, port.Port);
        if (model.MasqueradeAll)
        {
            nat.Add(chain, rule);
        }
        else if (model.PodCidr is { } pods)
        {
            nat.Add(chain, rule.From(pods, negated: true));
        }

        // Without a pod CIDR we cannot tell pod traffic from the rest, and kube-proxy then
        // masquerades nothing for the cluster IP either.
    }

    private void RenderExternalLocalChain(ServicePort port, string externalChain, string? clusterChain, string? localChain)
    {
        var name = port.Name.ToString();
        nat.Declare(externalChain);
        if (clusterChain is not null)
        {
            if (model.PodCidr is { } pods)
            {
                // A pod using an external address behaves as if it had gone out and come back in
                // through the load balancer: any endpoint, source kept.
                nat.Add(externalChain, RuleBuilder.Commented($"pod traffic for {name} external destinations", new JumpTarget(clusterChain))
                    .From(pods));
            }

            nat.Add(externalChain, RuleBuilder.Commented($"masquerade LOCAL traffic for {name} external destinations", new SetMarkTarget(model.MasqueradeMark))
                .And(new AddrTypeLocalMatch(OfSource: true)));
            nat.Add(externalChain, RuleBuilder.Commented($"route LOCAL traffic for {name} external destinations", new JumpTarget(clusterChain))
                .And(new AddrTypeLocalMatch(OfSource: true)));
        }

        if (localChain is not null)
        {
            nat.Add(externalChain, RuleBuilder.Commented($"{name} local endpoints for external destinations", new JumpTarget(localChain)));
        }
    }

    private void RenderClusterIP(ServicePort port, string? internalChain)
    {
        if (internalChain is not null)
        {
            dispatch.Add(port.ClusterIP, RuleBuilder.Commented($"{port.Name} cluster IP", new JumpTarget(internalChain))
                .To(port.ClusterIP)
                .Port(port.Protocol, port.Port));
            return;
        }

        filter.Add(ChainNames.Services, Verdict(port, port.HasEndpoints)
            .To(port.ClusterIP)
            .Port(port.Protocol, port.Port));
    }

    private void RenderExternal(ServicePort port, string? externalChain)
    {
        if (!port.ExternallyAccessible)
        {
            return;
        }

        var name = port.Name.ToString();
        if (externalChain is not null)
        {
            foreach (var ip in port.ExternalIPs)
            {
                dispatch.Add(ip, RuleBuilder.Commented($"{name} external IP", new JumpTarget(externalChain))
                    .To(ip)
                    .Port(port.Protocol, port.Port));
            }

            var lbTarget = externalChain;
            if (port.LoadBalancerIPs.Length > 0 && port.SourceRanges.Length > 0)
            {
                lbTarget = ChainNames.FirewallChain(port);
                RenderSourceRanges(port, lbTarget, externalChain);
            }

            foreach (var ip in port.LoadBalancerIPs)
            {
                dispatch.Add(ip, RuleBuilder.Commented($"{name} loadbalancer IP", new JumpTarget(lbTarget))
                    .To(ip)
                    .Port(port.Protocol, port.Port));
            }

            if (port.NodePort is { } nodePort)
            {
                nat.Add(ChainNames.NodePorts, RuleBuilder.Commented(name, new JumpTarget(externalChain))
                    .Port(port.Protocol, nodePort));
            }
        }

        var hasExternalEndpoints = port.ExternalPolicyLocal ? port.LocalEndpoints.Length > 0 : port.HasEndpoints;
        if (!hasExternalEndpoints)
        {
            // With eTP=Local and only remote endpoints, the nat rules above still serve pods
            // (short-circuit); everyone else is dropped here, on the original destination.
            foreach (var ip in port.ExternalIPs.Concat(port.LoadBalancerIPs))
            {
                filter.Add(ChainNames.ExternalServices, Verdict(port, port.HasEndpoints).To(ip).Port(port.Protocol, port.Port));
            }

            if (port.NodePort is { } nodePort)
            {
                filter.Add(ChainNames.ExternalServices, Verdict(port, port.HasEndpoints)
                    .And(new AddrTypeLocalMatch(OfSource: false))
                    .Port(port.Protocol, nodePort));
            }
        }

        if (port.HealthCheckNodePort is { } healthPort)
        {
            filter.Add(ChainNames.NodePorts, RuleBuilder.Commented($"{name} health check node port", VerdictTarget.Accept)
                .Port(Protocol.Tcp, healthPort));
        }
    }

    private void RenderSourceRanges(ServicePort port, string firewallChain, string externalChain)
    {
        var name = port.Name.ToString();
        nat.Declare(firewallChain);
        foreach (var range in port.SourceRanges)
        {
            nat.Add(firewallChain, RuleBuilder.Commented($"{name} loadbalancer IP", new JumpTarget(externalChain)).From(range));
        }

        // A load balancer that hands node-to-VIP traffic back with the VIP as source must still
        // be let in when the node itself is an allowed source.
        if (port.SourceRanges.Any(r => model.NodeIPs.Any(r.Contains)))
        {
            foreach (var ip in port.LoadBalancerIPs)
            {
                nat.Add(firewallChain, RuleBuilder.Commented($"{name} loadbalancer IP", new JumpTarget(externalChain)).From(ip));
            }
        }

        foreach (var ip in port.LoadBalancerIPs)
        {
            filter.Add(ChainNames.Firewall, RuleBuilder.Commented($"{name} traffic not accepted by {firewallChain}", VerdictTarget.Drop)
                .To(ip)
                .Port(port.Protocol, port.Port));
        }
    }

    private Rule Verdict(ServicePort port, bool hasEndpoints) => hasEndpoints
        ? RuleBuilder.Commented($"{port.Name} has no local endpoints", VerdictTarget.Drop)
        : RuleBuilder.Commented($"{port.Name} has no endpoints", new RejectTarget(model.Family));
}
