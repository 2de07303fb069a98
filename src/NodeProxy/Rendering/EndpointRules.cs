using System.Collections.Immutable;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// The rules that pick an endpoint, DNATing in place rather than jumping to a chain per endpoint:
/// on iptables-nft the load time grows faster than linearly with the number of chains. Affinity
/// needs no chain either: xt_recent both records (--set always matches) and checks in one rule.
/// </summary>
internal static class EndpointRules
{
    /// <param name="commented">False in large clusters: per-endpoint comments are most of the
    /// rule bytes, and xt_comment keeps 256 bytes per rule in the kernel however short they are.</param>
    public static IEnumerable<Rule> For(ServicePort port, ImmutableArray<Endpoint> endpoints, bool commented = true)
    {
        var name = port.Name.ToString();
        var family = port.ClusterIP.Family();
        if (port.AffinitySeconds is { } seconds)
        {
            foreach (var endpoint in endpoints)
            {
                yield return RuleBuilder.MaybeCommented(commented ? $"{name} -> {endpoint}" : null, new DnatTarget(endpoint.Address, endpoint.Port))
                    .Proto(port.Protocol)
                    .And(new RecentMatch(ChainNames.AffinityList(port, endpoint), RecentMode.Check, seconds, family));
            }
        }

        for (var i = 0; i < endpoints.Length; i++)
        {
            var endpoint = endpoints[i];
            var rule = RuleBuilder.MaybeCommented(commented ? $"{name} -> {endpoint}" : null, new DnatTarget(endpoint.Address, endpoint.Port))
                .Proto(port.Protocol);
            if (i < endpoints.Length - 1)
            {
                // 1/n, 1/(n-1), ..., 1/2, then the rest: a uniform choice over n.
                rule = rule.And(StatisticMatch.OneIn(endpoints.Length - i));
            }

            if (port.AffinitySeconds is not null)
            {
                rule = rule.And(new RecentMatch(ChainNames.AffinityList(port, endpoint), RecentMode.Set, 0, family));
            }

            yield return rule;
        }
    }
}
