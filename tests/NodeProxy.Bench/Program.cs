using System.Diagnostics;
using System.Runtime.InteropServices;
using NodeProxy.Apply;
using NodeProxy.Bench;
using NodeProxy.Bench.Plots;
using NodeProxy.Tests.Diff;

// What a sync and a first packet cost against the real kernel, NodeProxy's layout beside
// kube-proxy's; see docs/benchmarks.md for what a run showed.
if (args.FirstOrDefault() == "inprocess")
{
    return InProcessRun.Run(args);
}

if (args.FirstOrDefault() == "coldprofile")
{
    return await ColdProfile.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "10000", System.Globalization.CultureInfo.InvariantCulture));
}

if (args.FirstOrDefault() == "plot")
{
    return PlotCommand.Run(args);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (Environment.UserName != "root")
{
    Console.Error.WriteLine("nodeproxy-bench needs root: it creates network namespaces");
    return 2;
}

// Ctrl+C or a kill cancels the running call instead of ending the process, so the namespace is still deleted.
using var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

var started = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var machine = await MachineInfo.ReadAsync();
var loadAtStart = MachineInfo.LoadAverage();
var runs = new List<BenchRun>();
foreach (var backend in options.Backends.Select(b => b == "nft" ? IptablesBackend.Nft : IptablesBackend.Legacy))
{
    foreach (var services in options.Services)
    {
        var model = SyntheticModel.Create(services, mix: BenchOptions.Mix);
        runs.Add(await new RestoreBench(backend, model, options.Repeat, stop.Token).RunAsync());
        if (services <= options.BaselineMax)
        {
            runs.Add(await new KubeProxyBench(backend, model, options.Repeat, options.BaselineLimit, stop.Token).RunAsync());
        }
    }
}

var firstPacket = await FirstPacketRun.RunAsync(options, stop.Token);
var extra = new List<string>();
var memory = new List<AgentMemory>();
if (options.Rss.Count > 0)
{
    // Published once: the Dockerfile's command, so the binary measured is the one the image ships.
    using var agent = await AgentBinary.PublishAsync(stop.Token);
    Console.Error.WriteLine($"  agent: {agent.Description}");
    foreach (var services in options.Rss)
    {
        var agentRuns = new List<AgentRunFigures>();
        for (var k = 0; k < options.Repeat; k++)
        {
            agentRuns.Add(await AgentRssBench.MeasureAsync(agent, services, options.RssFrom, stop.Token));
            var r = agentRuns[^1];
            Console.Error.WriteLine($"  agent N={services} run {k + 1}: RSS {r.RssBytes >> 20} MiB, peak {r.PeakRssBytes >> 20} MiB, "
                + $"to first sync {r.ToFirstSync.TotalSeconds:F2} s (the sync itself {r.SyncItself?.TotalSeconds:F2} s), restore alone {r.RestoreAlone.TotalSeconds:F2} s ({r.Rules} rules), ratio {r.Ratio:F2}, load {MachineInfo.LoadAverage()}");
        }

        memory.Add(new AgentMemory(services, agentRuns));
    }

    extra.Add(ScaleReport.Memory(memory, agent.Description, options.RssFrom));
}

var latencies = new List<LatencyResult>();
foreach (var services in options.Latency)
{
    foreach (var rate in options.LatencyRates)
    {
        latencies.Add(await ChangeLatencyBench.MeasureAsync(services, rate, TimeSpan.FromSeconds(20), stop.Token));
        Console.Error.WriteLine($"  latency N={services} at {rate}/s: p50 {latencies[^1].P50.TotalMilliseconds:F0} ms, p99 {latencies[^1].P99.TotalMilliseconds:F0} ms");
    }
}

extra.Add(ScaleReport.Latency(latencies));

// Quoted where a shell needs it (an empty list, --rss ""), so the report's command can be pasted.
var command = $"dotnet run -c Release --project tests/NodeProxy.Bench -- {string.Join(' ', args.Select(a => a.Length == 0 || a.Contains(' ') ? $"\"{a}\"" : a))}";
var report = ScaleReport.Write(machine, command, started, clock.Elapsed, (loadAtStart, MachineInfo.LoadAverage()), options, new ScaleResults(runs, firstPacket, extra));
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Out))!);
await File.WriteAllTextAsync(options.Out, report);
Console.WriteLine(report);
Console.Error.WriteLine($"wrote {options.Out}");

// The same figures as JSON beside the report, and the pictures drawn from them (`plot` re-draws them from the JSON).
var figures = BenchFigures.From(runs, firstPacket, memory);
var figuresPath = Path.ChangeExtension(options.Out, ".json");
await File.WriteAllTextAsync(figuresPath, figures.ToJson());
Console.Error.WriteLine($"wrote {figuresPath}");
foreach (var picture in BenchPlots.Write(figures, Path.GetDirectoryName(Path.GetFullPath(options.Out))!))
{
    Console.Error.WriteLine($"wrote {picture}");
}
return 0;

void Cancel(PosixSignalContext signal)
{
    signal.Cancel = true;
    stop.Cancel();
}
