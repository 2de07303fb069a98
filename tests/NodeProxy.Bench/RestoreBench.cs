using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Apply;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Sync;
using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <summary>
/// The sync scenarios of one backend at one size, against the real kernel in a fresh namespace.
/// Every time is the wall clock around one call, as a caller would see it.
/// </summary>
internal sealed class RestoreBench(IptablesBackend backend, int services, int repeat, CancellationToken cancel)
{
    private readonly List<Sample> samples = [];

    public async Task<BenchRun> RunAsync()
    {
        await using var ns = await BenchNamespace.CreateAsync();
        var tables = new IptablesTool(IpFamily.V4, backend, ns.Prefix);
        var model = SyntheticModel.Create(services);

        await TimeProcessStartAsync(ns);
        var syncer = new FamilySyncer(tables);
        await SyncOnceAsync("first sync into empty tables", syncer, model, full: false);
        await SyncOnceAsync("restart adoption (new syncer, reads iptables-save)", new FamilySyncer(tables), model, full: false, mustBeEmpty: true);
        await TimeSaveAsync(tables);

        model = await RepeatAsync("one endpoint changed", syncer, model, (m, k) => SyntheticModel.Replace(m, Spread(k, m.Services.Length), p => p with
        {
            ClusterEndpoints = p.ClusterEndpoints.SetItem(3, p.ClusterEndpoints[3] with { Port = 9090 }),
        }));
        model = await RepeatAsync("one service added", syncer, model, (m, k) => m with { Services = m.Services.Add(SyntheticModel.Service(services + k)) });
        model = await RepeatAsync("one service deleted", syncer, model, (m, k) => m with { Services = m.Services.RemoveAt(Spread(k, m.Services.Length)) });
        model = await RepeatAsync("no change", syncer, model, (m, _) => m, mustBeEmpty: true);
        TimeRender(model);
        await SyncOnceAsync("full resync (full: true, reads iptables-save)", syncer, model, full: true);
        return new BenchRun(backend.ToString().ToLowerInvariant(), services, samples);
    }

    /// <summary>Changes spread over the whole list, so no one cached neighbourhood is measured.</summary>
    private int Spread(int k, int count) => (int)((k * 2L + 1) * count / (2L * repeat)) % count;

    private async Task SyncOnceAsync(string scenario, FamilySyncer syncer, NodeModel model, bool full, bool mustBeEmpty = false)
    {
        var (result, time) = await SyncAsync(syncer, model, full, mustBeEmpty);
        Add(new Sample(scenario, result.Batch.Bytes, result.Batch.Lines, [time]));
    }

    private async Task<NodeModel> RepeatAsync(string scenario, FamilySyncer syncer, NodeModel model, Func<NodeModel, int, NodeModel> change, bool mustBeEmpty = false)
    {
        var times = new List<TimeSpan>();
        var (bytes, lines) = (0, 0);
        for (var k = 0; k < repeat; k++)
        {
            model = change(model, k);
            var (result, time) = await SyncAsync(syncer, model, full: false, mustBeEmpty);
            if (result.ReadKernel)
            {
                throw new InvalidOperationException($"{scenario}: the syncer read the kernel; a small change must be diffed from memory");
            }

            times.Add(time);
            (bytes, lines) = (Math.Max(bytes, result.Batch.Bytes), Math.Max(lines, result.Batch.Lines));
        }

        Add(new Sample(scenario, bytes, lines, times));
        return model;
    }

    private async Task<(FamilySyncResult Result, TimeSpan Time)> SyncAsync(FamilySyncer syncer, NodeModel model, bool full, bool mustBeEmpty)
    {
        // Rendering stays outside the clock: it is measured on its own (TimeRender).
        var wanted = Renderer.Render(model);
        var clock = Stopwatch.StartNew();
        var result = await syncer.SyncAsync(wanted, full, cancel);
        clock.Stop();
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{backend} N={services}: restore failed: {result.Error}");
        }

        if (mustBeEmpty && !result.Batch.IsEmpty)
        {
            throw new InvalidOperationException($"{backend} N={services}: expected no write, got {result.Batch.Bytes} bytes");
        }

        return (result, clock.Elapsed);
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

    /// <summary>In-process cost of model -> rule set, which every sync pays before the diff.</summary>
    private void TimeRender(NodeModel model)
    {
        var times = new List<TimeSpan>();
        for (var k = 0; k < repeat; k++)
        {
            var clock = Stopwatch.StartNew();
            _ = Renderer.Render(model);
            times.Add(clock.Elapsed);
        }

        Add(new Sample("render model (in process, no kernel)", null, null, times));
    }

    private void Add(Sample sample)
    {
        samples.Add(sample);
        Console.Error.WriteLine($"  {backend} N={services}: {sample.Scenario}: {sample.Bytes?.ToString() ?? "-"} bytes, median {sample.Median.TotalMilliseconds:F1} ms");
    }
}
