using System.Globalization;
using NodeProxy.Apply;
using NodeProxy.Net;
using NodeProxy.Rendering;

namespace NodeProxy.Metrics;

/// <summary>
/// kube-proxy's two nfacct packet counters, taken from the kernel's counters of the rules that
/// do the same job here (read at scrape time, one chain listing per family and rule). A rule
/// written again starts from zero, so what it had counted is carried over: the metric never
/// goes back.
/// </summary>
public sealed class PacketCounters(IReadOnlyList<IptablesTool> tables)
{
    public const string InvalidDropped = "nodeproxy drop invalid conntrack state";
    public const string LocalhostAccepted = "nodeproxy localhost nodeports accepted";

    private readonly Dictionary<(IpFamily, string), (long Last, long Carried)> seen = [];
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Packets dropped as conntrack-INVALID, and localhost NodePort connections accepted, since the agent started watching.</summary>
    public async Task<(long InvalidDropped, long LocalhostAccepted)> ReadAsync(CancellationToken cancel = default)
    {
        await gate.WaitAsync(cancel);
        try
        {
            long invalid = 0, localhost = 0;
            foreach (var table in tables)
            {
                invalid += Total(table.Family, InvalidDropped, Packets(await table.ListChainAsync("filter", ChainNames.Forward, cancel), InvalidDropped));
                if (table.Family == IpFamily.V4)
                {
                    localhost += Total(table.Family, LocalhostAccepted, Packets(await table.ListChainAsync("nat", ChainNames.Postrouting, cancel), LocalhostAccepted));
                }
            }

            return (invalid, localhost);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The packet count of the rule commented <paramref name="comment"/> in `iptables -L -n -v -x` output; 0 when it is not there.</summary>
    public static long Packets(string listing, string comment)
    {
        var marker = $"/* {comment} */";
        foreach (var line in listing.Split('\n'))
        {
            if (line.Contains(marker, StringComparison.Ordinal)
                && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var packets))
            {
                return packets;
            }
        }

        return 0;
    }

    private long Total(IpFamily family, string rule, long now)
    {
        var (last, carried) = seen.GetValueOrDefault((family, rule));
        if (now < last)
        {
            carried += last;
        }

        seen[(family, rule)] = (now, carried);
        return carried + now;
    }
}
