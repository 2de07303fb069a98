using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// hostPorts with the outcomes of the CNI portmap plugin: DNAT on local addresses (or the given
/// hostIP), masquerade for pod sources and for 127.0.0.1, so replies come back through the node.
/// </summary>
internal static class HostPortRenderer
{
    public static void Render(NodeModel model, TableBuilder nat)
    {
        nat.Declare(ChainNames.HostPorts);
        foreach (var mapping in model.HostPorts.OrderBy(m => m.HostPort).ThenBy(m => m.Protocol).ThenBy(m => m.HostIP?.ToString()))
        {
            var comment = $"{mapping.PodRef} hostPort {mapping.HostPort}";
            Rule Base(Target target)
            {
                var rule = RuleBuilder.Commented(comment, target);
                return mapping.HostIP is { } hostIP ? rule.To(hostIP) : rule;
            }

            var mark = new SetMarkTarget(model.MasqueradeMark);
            if (model.PodCidr is { } pods)
            {
                nat.Add(ChainNames.HostPorts, Base(mark).From(pods).Port(mapping.Protocol, mapping.HostPort));
            }

            if (model.Family == IpFamily.V4)
            {
                nat.Add(ChainNames.HostPorts, Base(mark).From(IPAddress.Loopback).Port(mapping.Protocol, mapping.HostPort));
            }

            nat.Add(ChainNames.HostPorts, Base(new DnatTarget(mapping.PodIP, mapping.ContainerPort)).Port(mapping.Protocol, mapping.HostPort));
        }
    }
}
