using NodeProxy.RuleSets;

namespace NodeProxy.Tests;

/// <summary>NodeProxy's own rule lines, sorted, from a rule set or from iptables-save: compared, they say whether the kernel holds what was wanted.</summary>
internal static class OwnedRules
{
    public static string[] Of(RuleSet rules) => Sorted(RestoreText.Write(rules));

    public static string[] InSave(string save) => Sorted(save);

    private static string[] Sorted(string text) =>
        [.. text.Split('\n').Where(l => l.StartsWith("-A NP-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}
