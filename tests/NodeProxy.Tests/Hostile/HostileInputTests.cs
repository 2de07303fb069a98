using System.Globalization;
using System.Text.RegularExpressions;
using NodeProxy.Tests.Kernel;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Hostile;

/// <summary>
/// The corpus of hostile inputs (testdata/hostile) against the real agent in a namespace, on
/// both backends: the kernel holds exactly the rules of the valid objects, every refusal is
/// named once in the log (on a line of its own: nothing forges another) and counted in
/// nodeproxy_objects_rejected_total, and the agent stops cleanly on SIGTERM.
/// </summary>
public sealed partial class HostileInputTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in HostileCase.Names)
        {
            data.Add(name, "nft");
            data.Add(name, "legacy");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task OnlyTheValidObjectsReachTheKernelAndEveryRefusalIsNamedOnceAndCounted(string name, string backend)
    {
        var hostile = HostileCase.Named(name);
        var (wantedV4, wantedV6, valid) = hostile.ValidRules();
        Assert.Empty(valid.Problems);
        await using var ns = await NetworkNamespace.CreateAsync();
        await ns.RunAsync("ip", ["link", "set", "lo", "up"]);
        await using var agent = NamespacedAgent.Start(ns,
            ["run", "--source", hostile.Input, "--iptables-backend", backend,
             "--metrics-bind-address", "127.0.0.1:10249", "--healthz-bind-address", "127.0.0.1:10256", .. hostile.Flags],
            TestLog.To(output));

        await agent.WaitForLineAsync(l => l.Contains("synced: IPv4", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var metrics = await ns.RunAsync("curl", ["-s", "http://127.0.0.1:10249/metrics"]);
        var v4 = await ns.RunAsync($"iptables-{backend}-save", []);
        var v6 = await ns.RunAsync($"ip6tables-{backend}-save", []);
        Assert.Equal(0, await agent.StopAsync());

        Assert.Equal(wantedV4, OwnedRules.InSave(v4));
        Assert.Equal(wantedV6, OwnedRules.InSave(v6));
        AssertEachRefusalLoggedOnce(hostile.Refusals, agent.Lines);
        AssertCounted(hostile.Refusals, metrics);
    }

    private static void AssertEachRefusalLoggedOnce(IReadOnlyList<(string Kind, string Object, string Reason)> refusals, IReadOnlyList<string> lines)
    {
        Assert.All(lines, line => Assert.Matches(LogLine(), line));
        var skipped = lines.Where(l => l.Contains(" skipped: ", StringComparison.Ordinal)).ToList();
        foreach (var group in refusals.GroupBy(r => r))
        {
            var (kind, obj, reason) = group.Key;
            var named = skipped.Count(l => l.Contains($" skipped: {kind} {obj}: ", StringComparison.Ordinal) && l.EndsWith($"({reason})", StringComparison.Ordinal));
            Assert.True(group.Count() == named, $"{kind} {obj} ({reason}): expected {group.Count()} log lines, found {named}:\n{string.Join('\n', skipped)}");
        }

        Assert.Equal(refusals.Count, skipped.Count);
    }

    private static void AssertCounted(IReadOnlyList<(string Kind, string Object, string Reason)> refusals, string metrics)
    {
        var counted = metrics.Split('\n')
            .Select(l => RejectedSample().Match(l))
            .Where(m => m.Success)
            .ToDictionary(m => (m.Groups["kind"].Value, m.Groups["reason"].Value), m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        var expected = refusals.GroupBy(r => (r.Kind, r.Reason)).ToDictionary(g => g.Key, g => (double)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), counted.Where(c => c.Value > 0).OrderBy(c => c.Key));
    }

    /// <summary>Every line the agent writes is one whole log line: a timestamp, a level, the category.</summary>
    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} (info|warn|fail|crit|dbug): nodeproxy\[\d+\] ")]
    private static partial Regex LogLine();

    [GeneratedRegex("""^nodeproxy_objects_rejected_total\{kind="(?<kind>[^"]+)",reason="(?<reason>[^"]+)"\} (?<value>\S+)$""")]
    private static partial Regex RejectedSample();
}
