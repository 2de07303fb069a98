using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeProxy.Sync;

/// <summary>
/// Finds the batch lines a failed iptables-restore complained about, so the log shows the rule
/// itself rather than a line number into a batch nobody kept.
/// </summary>
public static partial class RestoreErrors
{
    public static IReadOnlyList<string> OffendingLines(string error, string batch)
    {
        var lines = batch.Split('\n');
        return [.. LineNumber().Matches(error)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Distinct()
            .Where(n => n >= 1 && n <= lines.Length)
            .Select(n => $"line {n}: {lines[n - 1]}")];
    }

    // legacy and nft: "Error occurred at line: 4"; nft: "line 2 failed".
    [GeneratedRegex(@"line:? (\d+)")]
    private static partial Regex LineNumber();
}
