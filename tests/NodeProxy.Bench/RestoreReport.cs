using System.Globalization;
using System.Text;

namespace NodeProxy.Bench;

/// <summary>The Markdown report: one table per backend, one column group per service count.</summary>
internal static class RestoreReport
{
    public static string Write(MachineInfo machine, string command, DateTimeOffset started, TimeSpan took, (string Start, string End) load, long peakRssBytes, int repeat, IReadOnlyList<BenchRun> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("# iptables-restore sync cost").AppendLine();
        text.AppendLine($"- Machine: {machine.Cpus} CPUs, {machine.Memory} RAM, kernel `{machine.Kernel}`");
        text.AppendLine($"- iptables: `{machine.IptablesNft}`, `{machine.IptablesLegacy}`");
        text.AppendLine($"- Date: {started.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}; whole run took {took.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s; benchmark process peak RSS {peakRssBytes / (1024 * 1024)} MiB");
        text.AppendLine($"- Load average (1/5/15 min) at start: {load.Start}; at end: {load.End}");
        text.AppendLine($"- Command: `{command}`");
        text.AppendLine($"- Model: `SyntheticModel.Create(N)` (N services x 10 endpoints, every third a NodePort, every seventh with affinity), IPv4, in a fresh `ip netns` per backend and size").AppendLine();

        foreach (var backend in runs.Select(r => r.Backend).Distinct())
        {
            text.AppendLine(Table(backend, [.. runs.Where(r => r.Backend == backend)], repeat)).AppendLine();
        }

        text.AppendLine(HowToRead(repeat));
        return text.ToString();
    }

    public static string Table(string backend, IReadOnlyList<BenchRun> runs, int repeat)
    {
        var text = new StringBuilder();
        text.AppendLine($"## {backend}").AppendLine();
        text.AppendLine("| Scenario | " + string.Join(" | ", runs.Select(r => $"N={Size(r.Services)} bytes | N={Size(r.Services)} lines | N={Size(r.Services)} ms")) + " |");
        text.AppendLine("|---|" + string.Concat(runs.Select(_ => "---:|---:|---:|")));
        foreach (var scenario in runs[0].Samples.Select(s => s.Scenario))
        {
            var cells = runs.Select(r => r.Samples.Single(s => s.Scenario == scenario)).Select(s => $"{Count(s.Bytes)} | {Count(s.Lines)} | {Time(s)}");
            var label = runs[0].Samples.Single(s => s.Scenario == scenario).Times.Count > 1 ? $"{scenario} (x{repeat})" : scenario;
            text.AppendLine($"| {label} | {string.Join(" | ", cells)} |");
        }

        return text.ToString().TrimEnd();
    }

    private static string HowToRead(int repeat) => $"""
        ## How to read this

        Times are wall-clock milliseconds around one `FamilySyncer.SyncAsync` call (rendering excluded; it has its own
        row), as measured on a shared machine, once per scenario; rows marked (x{repeat}) were repeated on {repeat}
        different services and show median / max. Bytes and lines are the iptables-restore batch written (the largest
        of the repeats); for the iptables-save row they are the size of its output. Every kernel call goes through the
        namespace prefix, whose own cost is the baseline row.

        The bytes of a small change (one endpoint, one service added or deleted) do not grow with N: the syncer
        remembers what it applied and writes only the chains that changed, and a no-change sync writes nothing and
        starts no process. Its time still grows with N: the no-change row is the in-process diff of the whole rule set
        (every rule rendered to text and compared), which every sync pays. A small change costs that diff plus one
        iptables-restore call, so (small change - no change) is the restore call alone. At small N that call is mostly
        process start (compare the baseline row); beyond it, it is the backend's handling of the whole table, which
        grows with N even though the batch does not: iptables-legacy-restore fetches the entire table from the kernel,
        edits it in userspace (libiptc) and replaces it whole; iptables-nft-restore fetches the table's ruleset to
        resolve chain names, then commits only the changed rules as one nf_tables transaction. A restart and a full
        resync read the table with iptables-save, so they cost at least the bare iptables-save row; the full resync
        then rewrites every chain.
        """;

    private static string Size(int n) => n % 1000 == 0 ? $"{n / 1000}k" : n.ToString(CultureInfo.InvariantCulture);

    private static string Count(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "-";

    private static string Time(Sample sample) => sample.Times.Count == 1
        ? Ms(sample.Median)
        : $"{Ms(sample.Median)} / {Ms(sample.Max)}";

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture);
}
