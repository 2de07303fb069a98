using System.Diagnostics;
using System.Runtime.InteropServices;
using NodeProxy.Apply;
using NodeProxy.Bench;

// Measures what a sync costs against the real kernel; see docs/benchmarks/restore.md for a run.
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
foreach (var backend in new[] { IptablesBackend.Nft, IptablesBackend.Legacy })
{
    foreach (var services in options.Services)
    {
        runs.Add(await new RestoreBench(backend, services, options.Repeat, stop.Token).RunAsync());
    }
}

var command = $"dotnet run -c Release --project tests/NodeProxy.Bench -- {string.Join(' ', args)}";
var report = RestoreReport.Write(machine, command, started, clock.Elapsed, (loadAtStart, MachineInfo.LoadAverage()), Process.GetCurrentProcess().PeakWorkingSet64, options.Repeat, runs);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Out))!);
await File.WriteAllTextAsync(options.Out, report);
Console.WriteLine(report);
Console.Error.WriteLine($"wrote {options.Out}");
return 0;

void Cancel(PosixSignalContext signal)
{
    signal.Cancel = true;
    stop.Cancel();
}
