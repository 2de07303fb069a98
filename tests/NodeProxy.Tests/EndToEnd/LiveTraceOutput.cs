using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>What `nodeproxy trace --live` printed, read back as a user reads it.</summary>
internal sealed partial record LiveTraceOutput(string Text)
{
    /// <summary>The summary line of each outcome: "33.3%  DNAT to 10.244.1.10:80, masqueraded: no".</summary>
    public IReadOnlyList<string> Outcomes =>
        [.. Text.Split('\n').Where(l => OutcomeLine().IsMatch(l)).Select(l => l[(l.IndexOf("  ", StringComparison.Ordinal) + 2)..])];

    public IReadOnlyList<string> Endpoints =>
        [.. Outcomes.Select(o => DnatTo().Match(o)).Where(m => m.Success && !m.Value.Contains("after", StringComparison.Ordinal)).Select(m => m.Groups[1].Value).Distinct().Order()];

    public bool Masqueraded => Outcomes.All(o => o.EndsWith("masqueraded: yes", StringComparison.Ordinal));

    public bool NotMasqueraded => Outcomes.All(o => o.EndsWith("masqueraded: no", StringComparison.Ordinal));

    public bool Undecided => Text.Split('\n').Any(l => l.StartsWith("  if ", StringComparison.Ordinal));

    /// <summary>The packet counters of the distinct rules whose steps contain <paramref name="action"/>, summed.</summary>
    public long Packets(string action) => Text.Split('\n')
        .Select(l => StepLine().Match(l))
        .Where(m => m.Success && m.Groups["action"].Value.Contains(action, StringComparison.Ordinal))
        .DistinctBy(m => m.Groups["rule"].Value)
        .Sum(m => long.Parse(m.Groups["packets"].Value, CultureInfo.InvariantCulture));

    public override string ToString() => Text;

    [GeneratedRegex(@"^(<?\d+(\.\d)?%)  ")]
    private static partial Regex OutcomeLine();

    [GeneratedRegex(@"^DNAT to (\S+),")]
    private static partial Regex DnatTo();

    // "  nat     KUBE-SEP-X  #2  -j DNAT --to-destination 10.244.1.10:80   [3 pkts]   (comment)"
    [GeneratedRegex(@"^  (?<rule>\S+\s+\S+\s+#\d+)\s+(?<action>.*?)   \[(?<packets>\d+) pkts\]")]
    private static partial Regex StepLine();
}
