using System.Globalization;
using System.Text;

namespace NodeProxy.Bench;

/// <summary>Everything one run measured, for the report.</summary>
internal sealed record ScaleResults(
    IReadOnlyList<BenchRun> Runs,
    IReadOnlyList<FirstPacketResult> FirstPacket,
    IReadOnlyList<string> Extra);

/// <summary>The Markdown report of one <c>scale</c> run (docs/benchmarks/results.md).</summary>
internal static class ScaleReport
{
    public static string Write(MachineInfo machine, string command, DateTimeOffset started, TimeSpan took, (string Start, string End) load, BenchOptions options, ScaleResults results)
    {
        var text = new StringBuilder();
        text.AppendLine("# Benchmark results (generated)").AppendLine();
        text.AppendLine("Written by the command below; docs/benchmarks.md reads these figures against the targets.").AppendLine();
        text.AppendLine($"- Machine: {machine.Cpus} CPUs, {machine.Memory} RAM, kernel `{machine.Kernel}`");
        text.AppendLine($"- iptables: `{machine.IptablesNft}`, `{machine.IptablesLegacy}`");
        text.AppendLine($"- Date: {started.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}; the run took {took.TotalMinutes.ToString("F1", CultureInfo.InvariantCulture)} min");
        text.AppendLine($"- Load average (1/5/15 min) at start: {load.Start}; at end: {load.End}");
        text.AppendLine($"- Command: `{command}`");
        text.AppendLine($"- Clusters: `SyntheticModel.Create(N, mix: BenchOptions.Mix)`: N services x 10 endpoints, {BenchOptions.Mix}; IPv4; a fresh `ip netns` per layout, backend and size").AppendLine();

        text.AppendLine(SideBySide(results.Runs)).AppendLine();
        foreach (var run in results.Runs.Where(r => r.Layout == Layouts.NodeProxy).GroupBy(r => r.Backend))
        {
            text.AppendLine(Details(run.Key, [.. run], options.Repeat)).AppendLine();
        }

        if (results.FirstPacket.Count > 0)
        {
            text.AppendLine(FirstPacket(results.FirstPacket, options.Connections)).AppendLine();
        }

        foreach (var extra in results.Extra)
        {
            text.AppendLine(extra).AppendLine();
        }

        text.AppendLine(HowToRead(options.Repeat));
        return text.ToString();
    }

    /// <summary>The two layouts on the scenarios they share, with NodeProxy's figure as a fraction of kube-proxy's.</summary>
    private static string SideBySide(IReadOnlyList<BenchRun> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("## NodeProxy and the kube-proxy-shaped layout, same clusters, same iptables-restore").AppendLine();
        text.AppendLine("| Backend | N | Cold load: NodeProxy | kube-proxy-shaped | ratio | One endpoint change, bytes: NodeProxy | kube-proxy-shaped | Change, ms: NodeProxy (diff + restore) | kube-proxy-shaped (restore) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var np in runs.Where(r => r.Layout == Layouts.NodeProxy))
        {
            var kp = runs.FirstOrDefault(r => r.Layout == Layouts.KubeProxy && r.Backend == np.Backend && r.Services == np.Services);
            var npCold = np.Find(Scenarios.Cold)!;
            var npChange = np.Find(Scenarios.EndpointChange)!;
            var kpCold = kp?.Find(Scenarios.Cold);
            var kpChange = kp?.Find(Scenarios.EndpointChange);
            var over = kpCold?.Unfinished == true ? "> " : "";
            var ratio = kpCold is null ? "-" : $"{(over.Length > 0 ? "< " : "")}1/{(kpCold.Median / npCold.Median).ToString("F0", CultureInfo.InvariantCulture)}";
            var kpText = kpCold is null ? "not run" : $"{over}{Seconds(kpCold.Median)}{(over.Length > 0 ? " (stopped unfinished)" : "")}";
            text.AppendLine($"| {np.Backend} | {Size(np.Services)} | {Seconds(npCold.Median)} | {kpText} | {ratio} "
                + $"| {Count(npChange.Bytes)} | {Count(kpChange?.Bytes)} | {Time(npChange)} | {(kpChange is null ? "-" : Time(kpChange))} |");
        }

        return text.ToString().TrimEnd();
    }

    private static string Details(string backend, IReadOnlyList<BenchRun> runs, int repeat)
    {
        var text = new StringBuilder();
        text.AppendLine($"## NodeProxy on {backend}, every scenario").AppendLine();
        text.AppendLine("| Scenario | " + string.Join(" | ", runs.Select(r => $"N={Size(r.Services)} bytes | N={Size(r.Services)} ms")) + " |");
        text.AppendLine("|---|" + string.Concat(runs.Select(_ => "---:|---:|")));
        foreach (var scenario in runs[0].Samples.Select(s => s.Scenario))
        {
            var first = runs[0].Find(scenario)!;
            var cells = runs.Select(r => r.Find(scenario)).Select(s => s is null ? "- | -" : $"{Count(s.Bytes)}{(s.BytesMeaning == "written" ? "" : " allocated")} | {Time(s)}");
            var label = first.Times.Count > 1 ? $"{scenario} (x{first.Times.Count})" : scenario;
            text.AppendLine($"| {label} | {string.Join(" | ", cells)} |");
        }

        return text.ToString().TrimEnd();
    }

    private static string FirstPacket(IReadOnlyList<FirstPacketResult> results, int connections)
    {
        var text = new StringBuilder();
        text.AppendLine($"## First packet: connect() to the service dispatched last ({connections} connects each)").AppendLine();
        text.AppendLine("| Layout | Backend | N | Target | Median µs | p99 µs | Median vs the smallest N |");
        text.AppendLine("|---|---|---:|---|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Layout, r.Backend)))
        {
            var smallest = group.MinBy(r => r.Services)!;
            foreach (var result in group.OrderBy(r => r.Services))
            {
                var ratio = result.Times.Median / smallest.Times.Median;
                text.AppendLine($"| {result.Layout} | {result.Backend} | {Size(result.Services)} | {result.Target} | {Micro(result.Times.Median)} | {Micro(result.Times.P99)} | {ratio.ToString("F2", CultureInfo.InvariantCulture)}x |");
            }
        }

        return text.ToString().TrimEnd();
    }

    public static string Memory(IReadOnlyList<AgentMemory> sizes, string binary, string from)
    {
        var text = new StringBuilder();
        text.AppendLine("## The agent as shipped: memory and list-to-first-sync").AppendLine();
        text.Append(from == AgentRssBench.FromApi
            ? "`nodeproxy run --kubeconfig` watching the fake API server (TLS, in the agent's namespace, in the benchmark's process) that serves the cluster, "
                + (BenchObjects.ManagedFields ? "each object with a managedFields entry (NODEPROXY_BENCH_MANAGED_FIELDS=1); " : "its objects without managedFields; ")
            : "`nodeproxy run --source <manifests>`; ");
        text.AppendLine($"iptables-nft in a fresh namespace, with the Dockerfile's `ENV` lines. Binary: {binary}.");
        text.AppendLine("RSS read from /proc 5 s after the first sync; VmHWM then. "
            + (from == AgentRssBench.FromApi ? "To first sync: from the agent's first request to the API server" : "To first sync: from starting the process")
            + " to its log line saying the first sync (both families) is in the kernel; of which the sync: what that line gives the sync itself (render, diff, restores). Restore alone: `iptables-save` and `ip6tables-save` "
            + "of the agent's namespace then, loaded with plain `iptables-nft-restore` / `ip6tables-nft-restore` into a fresh namespace. "
            + "Each figure is the median of the runs (the ratio is taken run by run), with every run's value after it.").AppendLine();
        text.AppendLine("| N | Runs | RSS once synced | Peak RSS (VmHWM) | To first sync | ... of which the sync | Restore alone (rules) | Ratio |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            string Each<T>(Func<AgentRunFigures, T> figure, Func<T, string> format) => string.Join(", ", size.Runs.Select(r => format(figure(r))));
            text.AppendLine($"| {Size(size.Services)} | {size.Runs.Count} "
                + $"| {size.RssBytes >> 20} MiB ({Each(r => r.RssBytes >> 20, v => v.ToString(CultureInfo.InvariantCulture))}) "
                + $"| {size.PeakRssBytes >> 20} MiB ({Each(r => r.PeakRssBytes >> 20, v => v.ToString(CultureInfo.InvariantCulture))}) "
                + $"| {Seconds(size.ToFirstSync)} ({Each(r => r.ToFirstSync, Seconds)}) "
                + $"| {(size.SyncItself is { } sync ? Seconds(sync) : "-")} ({Each(r => r.SyncItself, t => t is { } v ? Seconds(v) : "-")}) "
                + $"| {Seconds(size.RestoreAlone)} ({Each(r => r.RestoreAlone, Seconds)}; {Count(size.Runs[0].Rules)}) "
                + $"| {Ratio(size.Ratio)}x ({Each(r => r.Ratio, Ratio)}) |");
        }

        return text.ToString().TrimEnd();
    }

    public static string Latency(IReadOnlyList<LatencyResult> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("## Change-to-kernel latency under a steady stream of changes").AppendLine();
        text.AppendLine("Fake API server -> informers -> sync loop (default periods) -> iptables-nft, both families; one EndpointSlice write every 1/rate s; "
            + "latency from the write (the slice's trigger-time annotation) to the end of the restore that applied it; "
            + "a slice written again before a sync took its last write is one sample, timed from the older write; "
            + "sync p50: the median time one of those syncs took (render, diff, restores, conntrack; not the model build before it).").AppendLine();
        text.AppendLine("| N | Changes/s | Changes | Samples | Syncs | p50 | p99 | max | Sync p50 |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            text.AppendLine($"| {Size(run.Services)} | {run.ChangesPerSecond} | {run.Changes} | {run.Samples} | {run.Syncs} | {Ms(run.P50)} ms | {Ms(run.P99)} ms | {Ms(run.Max)} ms | {Ms(run.SyncP50)} ms |");
        }

        return text.ToString().TrimEnd();
    }

    private static string HowToRead(int repeat) => $"""
        ## How to read this

        Times are wall-clock, around one call, on a shared 2-core machine; rows repeated (xN) show median / max.
        NodeProxy's times are `FamilySyncer.SyncAsync` (diff + iptables-restore; rendering is the separate
        in-process rows, which also count the bytes the render and diff allocated). The kube-proxy-shaped times are
        the iptables-restore call alone on the batch kube-proxy would write (`KubeProxyLayout`): a full restore for
        the cold load, and for a change its partial sync (the top-level chains whole plus the changed service's
        chains). Both go through the same namespace prefix (the baseline row). "One endpoint changed" moves one
        endpoint of {repeat} services spread over the list to another port.
        """;

    private static string Size(int n) => n % 1000 == 0 ? $"{n / 1000}k" : n.ToString(CultureInfo.InvariantCulture);

    private static string Count(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "-";

    private static string Time(Sample sample) => sample.Times.Count == 1 ? Ms(sample.Median) : $"{Ms(sample.Median)} / {Ms(sample.Max)}";

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s";

    private static string Ratio(double ratio) => ratio.ToString("F2", CultureInfo.InvariantCulture);

    private static string Micro(TimeSpan time) => time.TotalMicroseconds.ToString("F0", CultureInfo.InvariantCulture);
}
