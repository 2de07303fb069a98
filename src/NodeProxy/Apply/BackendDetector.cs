using NodeProxy.Net;

namespace NodeProxy.Apply;

/// <summary>
/// Picks the backend that already holds rules, as kube-proxy's iptables-wrapper does: mixing
/// legacy and nft rules on one node makes packets meet both, in an order nobody chose. With no
/// rules anywhere, nft (Debian's default since bookworm).
/// </summary>
public static class BackendDetector
{
    public static async Task<IptablesBackend> DetectAsync(IReadOnlyList<string>? prefix = null, CancellationToken cancel = default)
    {
        var legacy = await CountRulesAsync(IptablesBackend.Legacy, prefix, cancel);
        var nft = await CountRulesAsync(IptablesBackend.Nft, prefix, cancel);
        return legacy > nft ? IptablesBackend.Legacy : IptablesBackend.Nft;
    }

    private static async Task<int> CountRulesAsync(IptablesBackend backend, IReadOnlyList<string>? prefix, CancellationToken cancel)
    {
        var count = 0;
        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
        {
            try
            {
                var save = await new IptablesTool(family, backend, prefix).SaveAsync(cancel);
                count += save.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal));
            }
            catch (IptablesException)
            {
                // A backend that cannot even list its rules holds none we could adopt.
            }
        }

        return count;
    }
}
