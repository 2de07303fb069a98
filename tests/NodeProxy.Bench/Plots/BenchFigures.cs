using System.Text.Json;

namespace NodeProxy.Bench.Plots;

/// <summary>
/// The figures a <c>scale</c> run plots, in plain units, written as results.json beside results.md
/// so <c>plot</c> can re-draw the pictures without re-running the kernel benchmarks.
/// </summary>
internal sealed record BenchFigures(
    IReadOnlyList<SyncFigure> Syncs,
    IReadOnlyList<FirstPacketFigure> FirstPacket,
    IReadOnlyList<MemoryFigure> Memory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static BenchFigures From(IReadOnlyList<BenchRun> runs, IReadOnlyList<FirstPacketResult> firstPacket, IReadOnlyList<AgentMemory> memory) => new(
        [.. runs.Select(r => (Run: r, Cold: r.Find(Scenarios.Cold), Change: r.Find(Scenarios.EndpointChange)))
            .Where(r => r.Cold is not null)
            .Select(r => new SyncFigure(r.Run.Layout, r.Run.Backend, r.Run.Services, r.Cold!.Median.TotalSeconds, r.Cold.Unfinished, r.Change?.Median.TotalMilliseconds))],
        [.. firstPacket.Select(f => new FirstPacketFigure(f.Layout, f.Backend, f.Services, f.Times.Median.TotalMicroseconds, f.Times.P99.TotalMicroseconds))],
        [.. memory.Select(m => new MemoryFigure(m.Services, m.RssBytes / 1048576.0, m.PeakRssBytes / 1048576.0, m.ToFirstSync.TotalSeconds, m.RestoreAlone.TotalSeconds))]);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="JsonException">The text is not a figures file.</exception>
    public static BenchFigures FromJson(string text) =>
        JsonSerializer.Deserialize<BenchFigures>(text, Json) ?? throw new JsonException("the figures file is empty (null)");
}

/// <summary>One layout on one backend at one size: the cold load and the one-endpoint change (null when not run).</summary>
/// <param name="ColdUnfinished">The cold load was stopped before it finished: <paramref name="ColdSeconds"/> is a lower bound.</param>
internal sealed record SyncFigure(string Layout, string Backend, int Services, double ColdSeconds, bool ColdUnfinished, double? ChangeMs);

internal sealed record FirstPacketFigure(string Layout, string Backend, int Services, double MedianMicroseconds, double P99Microseconds);

/// <param name="ToFirstSyncSeconds">The agent's list-to-first-sync (null in figures from before it was measured).</param>
/// <param name="RestoreAloneSeconds">A plain iptables-restore of the same rules, in the same run.</param>
internal sealed record MemoryFigure(int Services, double RssMiB, double PeakRssMiB, double? ToFirstSyncSeconds = null, double? RestoreAloneSeconds = null);
