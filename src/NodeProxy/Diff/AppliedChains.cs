using NodeProxy.RuleSets;

namespace NodeProxy.Diff;

/// <summary>
/// Answers "is this very chain instance already in the kernel?" against the table last applied,
/// in about one reference comparison per chain: wanted chains come in the order that table had
/// them, so a cursor with a short look-ahead follows it through changed, added and removed
/// chains. Past many misses in a row (a large part of the table changed) it indexes the table.
/// </summary>
internal sealed class AppliedChains(Table? source)
{
    private const int LookAhead = 16;
    private const int MissesBeforeIndex = 64;

    private int cursor;
    private int misses;
    private Dictionary<Chain, int>? index;

    public bool Contains(Chain chain)
    {
        if (source is null)
        {
            return false;
        }

        var chains = source.Chains;
        var end = Math.Min(cursor + LookAhead, chains.Length);
        for (var i = cursor; i < end; i++)
        {
            if (ReferenceEquals(chains[i], chain))
            {
                cursor = i + 1;
                misses = 0;
                return true;
            }
        }

        if (index is null && ++misses < MissesBeforeIndex)
        {
            return false;
        }

        index ??= Index(chains);
        if (index.TryGetValue(chain, out var at))
        {
            cursor = at + 1;
            return true;
        }

        return false;
    }

    private static Dictionary<Chain, int> Index(IReadOnlyList<Chain> chains)
    {
        var byInstance = new Dictionary<Chain, int>(chains.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < chains.Count; i++)
        {
            byInstance[chains[i]] = i;
        }

        return byInstance;
    }
}
