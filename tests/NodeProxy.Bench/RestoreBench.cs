using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Apply;
using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Sync;
using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <summary>
/// NodeProxy's sync scenarios on one backend at one size, against the real kernel in a fresh
/// namespace, driven as the agent drives them: a render cache, then FamilySyncer (diff + restore).
/// Every time is the wall clock around one call, as a caller would see it.
/// </summary>
internal sealed class RestoreBench(IptablesBackend backend, NodeModel model, int repeat, CancellationToken cancel)
{
    private readonly List<Sample> samples = [];
    private readonly RenderCache cache = new();
    private readonly List<(TimeSpan Time, long Allocated)> inProcess = [];

    private int Services => model.Services.Length;

    public async Task<BenchRun> RunAsync()
    {
        await using var ns = await BenchNamespace.CreateAsync();
        var tables = new IptablesTool(IpFamily.V4, backend, ns.Prefix);
        var current = model;

        await TimeProcessStartAsync(ns);
        var syncer = new FamilySyncer(tables);
        await SyncOnceAsync(Scenarios.Cold, syncer, current, full: false);
        AddInProcess(Scenarios.ColdInProcess);
        await SyncOnceAsync("restart adoption (new syncer, reads iptables-save)", new FamilySyncer(tables), current, full: false, mustBeEmpty: true);
        await TimeSaveAsync(tables);

        inProcess.Clear(); // the adoption's diff against the kernel read is not a change
        current = await RepeatAsync(Scenarios.EndpointChange, syncer, current, (m, k) => KubeProxyBench.OneEndpointChange(m, k, repeat));
        AddInProcess(Scenarios.EndpointChangeInProcess);
        current = await RepeatAsync("one service added", syncer, current, (m, k) => m with { Services = m.Services.Add(SyntheticModel.Service(Services + k, mix: BenchOptions.Mix)) });
        current = await RepeatAsync("one service deleted", syncer, current, (m, k) => m with { Services = m.Services.RemoveAt((int)((k * 2L + 1) * m.Services.Length / (2L * repeat))) });
        await RepeatAsync("no change", syncer, current, (m, _) => m, mustBeEmpty: true);
        await SyncOnceAsync("full resync (full: true, reads iptables-save)", syncer, current, full: true);
        return new BenchRun(Layouts.NodeProxy, backend.ToString().ToLowerInvariant(), Services, samples);
    }

    private async Task SyncOnceAsync(string scenario, FamilySyncer syncer, NodeModel next, bool full, bool mustBeEmpty = false)
    {
        var (result, time) = await SyncAsync(syncer, next, full, mustBeEmpty);
        Add(new Sample(scenario, result.Batch.Bytes, result.Batch.Lines, [time]));
    }

    private async Task<NodeModel> RepeatAsync(string scenario, FamilySyncer syncer, NodeModel current, Func<NodeModel, int, NodeModel> change, bool mustBeEmpty = false)
    {
        var times = new List<TimeSpan>();
        var (bytes, lines) = (0, 0);
        for (var k = 0; k < repeat; k++)
        {
            current = change(current, k);
            var (result, time) = await SyncAsync(syncer, current, full: false, mustBeEmpty);
            if (result.ReadKernel)
            {
                throw new InvalidOperationException($"{scenario}: the syncer read the kernel; a small change must be diffed from memory");
            }

            times.Add(time);
            (bytes, lines) = (Math.Max(bytes, result.Batch.Bytes), Math.Max(lines, result.Batch.Lines));
        }

        Add(new Sample(scenario, bytes, lines, times));
        return current;
    }

    /// <summary>
    /// Renders through the cache and diffs once in process (timed, with the bytes it allocates),
    /// then times the sync itself, which diffs again and restores.
    /// </summary>
    private async Task<(FamilySyncResult Result, TimeSpan Time)> SyncAsync(FamilySyncer syncer, NodeModel next, bool full, bool mustBeEmpty)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var wanted = cache.Render(next);
        if (!full)
        {
            _ = Differ.Diff(syncer.Applied ?? KernelTables.Empty, wanted, stagingLimit: IptablesTool.DefaultNftStagingLimit);
            inProcess.Add((clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocated));
        }

        clock.Restart();
        var result = await syncer.SyncAsync(wanted, full, cancel);
        clock.Stop();
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{backend} N={Services}: restore failed: {result.Error}");
        }

        if (mustBeEmpty && !result.Batch.IsEmpty)
        {
            throw new InvalidOperationException($"{backend} N={Services}: expected no write, got {result.Batch.Bytes} bytes");
        }

        return (result, clock.Elapsed);
    }

    /// <summary>The in-process part of the syncs just measured: render + diff, and the most any of them allocated.</summary>
    private void AddInProcess(string scenario)
    {
        Add(new Sample(scenario, inProcess.Max(p => p.Allocated), null, [.. inProcess.Select(p => p.Time)]) { BytesMeaning = "allocated" });
        inProcess.Clear();
    }

    /// <summary>What a kube-proxy-style agent pays to read the table on every sync.</summary>
    private async Task TimeSaveAsync(IptablesTool tables)
    {
        var times = new List<TimeSpan>();
        var text = "";
        for (var k = 0; k < repeat; k++)
        {
            var clock = Stopwatch.StartNew();
            text = await tables.SaveAsync(cancel);
            times.Add(clock.Elapsed);
        }

        Add(new Sample("bare iptables-save (output size)", System.Text.Encoding.UTF8.GetByteCount(text), text.Count(c => c == '\n'), times));
    }

    /// <summary>The floor under every kernel call here: the namespace prefix itself plus one process start.</summary>
    private async Task TimeProcessStartAsync(BenchNamespace ns)
    {
        var times = new List<TimeSpan>();
        for (var k = 0; k < repeat; k++)
        {
            var clock = Stopwatch.StartNew();
            await Cli.Wrap(ns.Prefix[0]).WithArguments([.. ns.Prefix.Skip(1), "true"]).ExecuteBufferedAsync(cancel);
            times.Add(clock.Elapsed);
        }

        Add(new Sample("baseline: the prefix (ip netns exec, sh, mount) + true", null, null, times));
    }

    private void Add(Sample sample)
    {
        samples.Add(sample);
        Console.Error.WriteLine($"  NodeProxy {backend} N={Services}: {sample.Scenario}: {sample.Bytes?.ToString() ?? "-"} bytes, median {sample.Median.TotalMilliseconds:F1} ms");
    }
}
