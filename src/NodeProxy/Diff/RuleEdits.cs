using System.Collections.Immutable;

namespace NodeProxy.Diff;

/// <summary>
/// Rule-level edits that turn one chain's rules into another's: "-D CHAIN spec" for rules that
/// go, then "-I CHAIN n spec" in ascending n for rules that come. A change to one service in a
/// chain shared by many (a dispatch bucket, NP-NODEPORTS) then costs a line or two, not the chain.
/// </summary>
internal static class RuleEdits
{
    /// <summary>Above this many cells the LCS is not worth it; the chain is rewritten instead.</summary>
    private const long MaxCells = 4_000_000;

    /// <summary>The edit lines, or null when the chain should be rewritten whole instead.</summary>
    public static IReadOnlyList<string>? Compute(string chain, ImmutableArray<string> current, ImmutableArray<string> wanted)
    {
        // "-D" by spec removes the first match: with a repeated rule it could remove the wrong copy.
        if (current.Distinct().Count() != current.Length || wanted.Distinct().Count() != wanted.Length)
        {
            return null;
        }

        var prefix = 0;
        while (prefix < current.Length && prefix < wanted.Length && current[prefix] == wanted[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < current.Length - prefix && suffix < wanted.Length - prefix
               && current[^(suffix + 1)] == wanted[^(suffix + 1)])
        {
            suffix++;
        }

        var oldMiddle = current.AsSpan(prefix, current.Length - prefix - suffix);
        var newMiddle = wanted.AsSpan(prefix, wanted.Length - prefix - suffix);
        if ((long)oldMiddle.Length * newMiddle.Length > MaxCells)
        {
            return null;
        }

        var (keptOld, keptNew) = CommonSubsequence(oldMiddle, newMiddle);
        var lines = new List<string>();
        for (var i = 0; i < oldMiddle.Length; i++)
        {
            if (!keptOld[i])
            {
                lines.Add($"-D {chain} {oldMiddle[i]}");
            }
        }

        for (var i = 0; i < newMiddle.Length; i++)
        {
            if (!keptNew[i])
            {
                lines.Add($"-I {chain} {prefix + i + 1} {newMiddle[i]}");
            }
        }

        return lines;
    }

    private static (bool[] KeptOld, bool[] KeptNew) CommonSubsequence(ReadOnlySpan<string> a, ReadOnlySpan<string> b)
    {
        var lengths = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = a[i] == b[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var keptOld = new bool[a.Length];
        var keptNew = new bool[b.Length];
        for (int i = 0, j = 0; i < a.Length && j < b.Length;)
        {
            if (a[i] == b[j])
            {
                keptOld[i++] = true;
                keptNew[j++] = true;
            }
            else if (lengths[i + 1, j] >= lengths[i, j + 1])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return (keptOld, keptNew);
    }
}
