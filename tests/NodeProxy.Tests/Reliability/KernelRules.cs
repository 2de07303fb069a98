using NodeProxy.Tests.EndToEnd;

namespace NodeProxy.Tests.Reliability;

/// <summary>What NodeProxy owns in node-1's kernel, as iptables-save lines, for comparing before and after a fault.</summary>
internal static class KernelRules
{
    /// <summary>Every save line that names an NP- chain, counters dropped, in kernel order (foreign lines are not ours to compare).</summary>
    public static async Task<IReadOnlyList<string>> OwnedAsync(AgentCluster cluster) =>
        Owned(await cluster.Node1.ExecAsync($"iptables-{cluster.Backend}-save"));

    public static IReadOnlyList<string> Owned(string save) =>
    [
        .. save.Split('\n')
            .Where(l => l.Contains("NP-", StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => l.StartsWith(':') ? l.Split(' ')[0] : l),
    ];
}
