using NodeProxy.Trace;
using Xunit.Sdk;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// Checks a traced packet against a table row, as kube-proxy's packet-flow tests do, but on
/// every outcome rather than on a summary: a row passes only if every way the packet can go
/// matches it.
/// </summary>
/// <remarks>
/// <para>Expected outcome:</para>
/// <list type="bullet">
/// <item>"ip:port, ip:port": every outcome is a DNAT, the set of DNAT destinations is exactly
/// this set, and each is equally likely (1/n), as kube-proxy's statistic rules make it.</item>
/// <item>"REJECT" or "DROP": every outcome is that verdict.</item>
/// <item>"": untouched, every outcome delivered to the original destination without DNAT.</item>
/// </list>
/// <para>Masquerade is checked per outcome: with a bool, every outcome must agree with it; with
/// a list of endpoints, exactly the outcomes DNATed to those are masqueraded (hairpin).</para>
/// </remarks>
internal static class FlowAssert
{
    public const string Reject = "REJECT";
    public const string Drop = "DROP";
    public const string Untouched = "";

    private const double Tolerance = 1e-6;

    public static void Row(
        FlowCluster cluster, string name, string source, string destination, int port, string protocol,
        string expected, bool masquerade, bool affinityRecorded = false)
    {
        var trace = cluster.Trace(source, destination, port, protocol, affinityRecorded);
        var failures = new List<string>();
        CheckOutcome(trace, expected, failures);
        foreach (var outcome in trace.Outcomes.Where(o => o.Masqueraded != masquerade))
        {
            failures.Add($"outcome {Describe(outcome)} is {(outcome.Masqueraded ? "" : "not ")}masqueraded; expected {(masquerade ? "" : "not ")}masqueraded");
        }

        Report(cluster, name, trace, expected, masquerade ? "yes" : "no", failures);
    }

    public static void Row(
        FlowCluster cluster, string name, string source, string destination, int port, string protocol,
        string expected, string masqueradedEndpoints)
    {
        var trace = cluster.Trace(source, destination, port, protocol);
        var failures = new List<string>();
        CheckOutcome(trace, expected, failures);
        var masqueraded = Split(masqueradedEndpoints);
        foreach (var outcome in trace.Outcomes)
        {
            var want = outcome.DnatEndpoint is { } endpoint && masqueraded.Contains(endpoint);
            if (outcome.Masqueraded != want)
            {
                failures.Add($"outcome {Describe(outcome)} is {(outcome.Masqueraded ? "" : "not ")}masqueraded; expected {(want ? "" : "not ")}masqueraded");
            }
        }

        Report(cluster, name, trace, expected, $"only [{masqueradedEndpoints}]", failures);
    }

    private static void CheckOutcome(TraceResult trace, string expected, List<string> failures)
    {
        if (trace.Outcomes.IsEmpty)
        {
            failures.Add("the trace has no outcome");
            return;
        }

        var total = trace.Outcomes.Sum(o => o.Probability);
        if (Math.Abs(total - 1) > Tolerance)
        {
            failures.Add($"outcome probabilities sum to {total}, not 1");
        }

        switch (expected.Trim())
        {
            case Reject:
                ExpectVerdict(trace, Verdict.Reject, failures);
                break;
            case Drop:
                ExpectVerdict(trace, Verdict.Drop, failures);
                break;
            case Untouched:
                // Accepted means delivered to the original destination: no DNAT happened.
                ExpectVerdict(trace, Verdict.Accepted, failures);
                break;
            default:
                ExpectEndpoints(trace, Split(expected), failures);
                break;
        }
    }

    private static void ExpectVerdict(TraceResult trace, Verdict verdict, List<string> failures)
    {
        foreach (var outcome in trace.Outcomes.Where(o => o.Verdict != verdict))
        {
            failures.Add($"outcome {Describe(outcome)}; expected {verdict}");
        }
    }

    private static void ExpectEndpoints(TraceResult trace, IReadOnlySet<string> expected, List<string> failures)
    {
        foreach (var outcome in trace.Outcomes.Where(o => o.Verdict != Verdict.Dnat))
        {
            failures.Add($"outcome {Describe(outcome)}; expected a DNAT to one of [{string.Join(", ", expected)}]");
        }

        var reached = trace.Endpoints.ToHashSet();
        if (!reached.SetEquals(expected))
        {
            failures.Add($"endpoints reached [{string.Join(", ", trace.Endpoints)}]; expected [{string.Join(", ", expected.Order(StringComparer.Ordinal))}]");
            return;
        }

        foreach (var endpoint in expected)
        {
            var probability = trace.ProbabilityOf(endpoint);
            if (Math.Abs(probability - (1.0 / expected.Count)) > Tolerance)
            {
                failures.Add($"{endpoint} is reached with probability {probability:0.######}; expected 1/{expected.Count}");
            }
        }
    }

    private static void Report(FlowCluster cluster, string name, TraceResult trace, string expected, string masquerade, List<string> failures)
    {
        if (failures.Count == 0)
        {
            return;
        }

        throw new XunitException(
            $"[{cluster.Feature}] {name}: {trace.Packet}\n"
            + $"expected: {(expected.Length == 0 ? "untouched" : expected)}, masquerade {masquerade}\n"
            + string.Join("\n", failures.Select(f => "  - " + f))
            + "\n\n" + trace.Format(fullRules: true));
    }

    private static HashSet<string> Split(string list) =>
        [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static string Describe(TraceOutcome outcome) =>
        $"{outcome.Verdict}{(outcome.DnatEndpoint is { } endpoint ? " " + endpoint : "")} (p={outcome.Probability:0.######})";
}
