using System.Globalization;
using System.Text;

namespace NodeProxy.Trace;

/// <summary>Writes a trace for people, as "nodeproxy trace" prints it.</summary>
internal static class TraceFormatter
{
    public static string Format(TraceResult result, bool fullRules)
    {
        var text = new StringBuilder();
        if (result.Packet is { } packet)
        {
            // A local pod's packet enters through its veth exactly as a remote one does.
            var origin = result.InInterface is { } device ? $" (arriving on {device})"
                : result.FromNode ? " (from the node)" : " (from a pod or another host)";
            text.Append("packet ").Append(packet).Append(origin).Append('\n');
        }

        foreach (var outcome in result.Outcomes)
        {
            text.Append(Percent(outcome.Probability)).Append("  ").Append(Summary(outcome)).Append('\n');
            foreach (var assumption in outcome.Assumptions)
            {
                text.Append("  if ").Append(assumption).Append('\n');
            }

            AppendSteps(text, outcome, fullRules);
        }

        return text.ToString();
    }

    private static void AppendSteps(StringBuilder text, TraceOutcome outcome, bool fullRules)
    {
        if (outcome.Steps.IsEmpty)
        {
            return;
        }

        var tableWidth = outcome.Steps.Max(s => s.Table.Length);
        var chainWidth = outcome.Steps.Max(s => s.Chain.Length);
        var numberWidth = outcome.Steps.Max(s => Number(s).Length);
        foreach (var step in outcome.Steps)
        {
            text.Append("  ").Append(step.Table.PadRight(tableWidth))
                .Append("  ").Append(step.Chain.PadRight(chainWidth))
                .Append("  ").Append(Number(step).PadRight(numberWidth))
                .Append("  ").Append(fullRules ? step.RuleText : step.Action);
            if (step.Packets is { } packets)
            {
                text.Append("   [").Append(packets.ToString(CultureInfo.InvariantCulture)).Append(" pkts]");
            }

            if (!fullRules && step.Comment is { } comment)
            {
                text.Append("   (").Append(comment).Append(')');
            }

            text.Append('\n');
            if (step.Note is { } note)
            {
                text.Append("      note: ").Append(note).Append('\n');
            }
        }
    }

    private static string Summary(TraceOutcome outcome)
    {
        if (outcome.Verdict == Verdict.Accepted && outcome.Steps.IsEmpty)
        {
            return "untouched: no NodeProxy rule matched";
        }

        var afterDnat = outcome.DnatEndpoint is { } endpoint ? $" after DNAT to {endpoint}" : "";
        var verdict = outcome.Verdict switch
        {
            Verdict.Dnat => $"DNAT to {outcome.DnatEndpoint}",
            Verdict.Reject => "rejected" + afterDnat + Where(outcome),
            Verdict.Drop => "dropped" + afterDnat + Where(outcome),
            Verdict.Unknown => "unknown: a rule the tracer does not model decides" + afterDnat + Where(outcome),
            _ => "accepted, destination unchanged",
        };
        return $"{verdict}, masqueraded: {(outcome.Masqueraded ? "yes" : "no")}";
    }

    // Where the last step was, for verdicts that end the packet: "in filter FORWARD #2".
    private static string Where(TraceOutcome outcome) =>
        outcome.Steps.IsEmpty ? "" : outcome.Steps[^1] is var last && last.Table == "routing" ? " by routing" : $" in {last.Table} {last.Chain} {Number(last)}".TrimEnd();

    // Routing decisions and chain policies are not rules, so they have no number.
    private static string Number(TraceStep step) => step.RuleNumber == 0 ? "" : "#" + step.RuleNumber.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double probability)
    {
        var percent = (probability * 100).ToString("F1", CultureInfo.InvariantCulture);

        // A branch that exists must not read as impossible.
        return percent == "0.0" && probability > 0 ? "<0.1%" : percent + "%";
    }
}
