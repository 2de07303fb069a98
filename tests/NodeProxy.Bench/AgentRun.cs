using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Bench;

/// <summary>The first sync's log line: when it came (Stopwatch.GetTimestamp()) and how long the sync itself took by the agent's own clock (null if the line does not say).</summary>
internal sealed record FirstSync(long At, TimeSpan? Took);

/// <summary>One `nodeproxy run` in a namespace, its stderr watched for the first sync and for trouble.</summary>
internal sealed partial class AgentRun : IAsyncDisposable
{
    /// <summary>The agent stops between syncs on SIGTERM; one that has not by then is killed.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly TaskCompletionSource<FirstSync> synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource kill = new();
    private readonly List<string> lines = [];
    private CommandTask<CommandResult> task = null!;

    public int ProcessId => task.ProcessId;

    /// <summary>NODEPROXY_BENCH_AGENT_LOG: a file that gets every line the agent logs (run with --verbose), each after the milliseconds since its start.</summary>
    public static string? LogFile { get; } = Environment.GetEnvironmentVariable("NODEPROXY_BENCH_AGENT_LOG") is { Length: > 0 } f ? f : null;

    /// <summary>Stopwatch.GetTimestamp() just before the process was started.</summary>
    public long Started { get; private init; }

    /// <param name="agent">The published executable, run directly as the image's ENTRYPOINT runs it.</param>
    public static AgentRun Start(string ns, string agent, IReadOnlyList<string> args)
    {
        var run = new AgentRun { Started = Stopwatch.GetTimestamp() };
        run.task = Cli.Wrap("ip")
            .WithArguments(["netns", "exec", ns, agent, .. args, .. (LogFile is null ? Array.Empty<string>() : ["--verbose"])])
            .WithEnvironmentVariables(ImageEnvironment.Read())
            .WithStandardOutputPipe(PipeTarget.ToDelegate(run.Line))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(run.Line))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(run.kill.Token);
        if (LogFile is not null)
        {
            _ = run.SampleMemoryAsync();
        }

        return run;
    }

    /// <summary>Waits for the log line of the first sync (both families in the kernel).</summary>
    public async Task<FirstSync> FirstSyncAsync(TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            await Task.WhenAny(synced.Task, task.Task).WaitAsync(timeout, cancel);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the agent did not sync within {timeout.TotalSeconds:0} s:\n{Tail()}");
        }

        if (!synced.Task.IsCompleted)
        {
            throw new InvalidOperationException($"the agent exited before its first sync:\n{Tail()}");
        }

        ThrowIfUnhealthy();
        return await synced.Task;
    }

    /// <summary>A skipped object means the cluster served is not the model it claims to be; a failed sync, that the figures are not of a working agent.</summary>
    public void ThrowIfUnhealthy()
    {
        lock (lines)
        {
            if (lines.FirstOrDefault(l => l.Contains("skipped:", StringComparison.Ordinal) || l.Contains("failed", StringComparison.Ordinal)) is { } bad)
            {
                throw new InvalidOperationException($"the agent said: {bad}");
            }
        }

        if (task.Task.IsCompleted)
        {
            throw new InvalidOperationException($"the agent exited:\n{Tail()}");
        }
    }

    public async Task StopAsync()
    {
        if (task.Task.IsCompleted)
        {
            return;
        }

        await Cli.Wrap("kill").WithArguments(["-s", "TERM", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(CancellationToken.None);
        if (await Task.WhenAny(task.Task, Task.Delay(StopGrace)) != task.Task)
        {
            await kill.CancelAsync();
        }

        await task.Task.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        // Also after a failure or Ctrl+C: no agent may outlive the namespace it programs.
        await StopAsync();
        kill.Dispose();
    }

    private void Line(string line)
    {
        lock (lines)
        {
            lines.Add(line);
            if (LogFile is { } file)
            {
                File.AppendAllText(file, $"{Stopwatch.GetElapsedTime(Started).TotalMilliseconds,8:F0} {line}\n");
            }
        }

        if (line.Contains("synced", StringComparison.Ordinal))
        {
            var took = SyncMillis().Match(line) is { Success: true } m ? TimeSpan.FromMilliseconds(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)) : (TimeSpan?)null;
            synced.TrySetResult(new FirstSync(Stopwatch.GetTimestamp(), took));
        }
    }

    /// <summary>With <see cref="LogFile"/>: the process's RSS into the log whenever it moved by 4 MiB, to see when the peak comes.</summary>
    private async Task SampleMemoryAsync()
    {
        var last = 0L;
        while (!task.Task.IsCompleted && !kill.IsCancellationRequested)
        {
            try
            {
                var line = File.ReadLines($"/proc/{ProcessId}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null && long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024 is var mib && Math.Abs(mib - last) >= 4)
                {
                    last = mib;
                    Line($"rss {mib} MiB");
                }
            }
            catch (IOException)
            {
                return;
            }

            await Task.Delay(20);
        }
    }

    private string Tail()
    {
        lock (lines)
        {
            return string.Join('\n', lines.TakeLast(30));
        }
    }

    /// <summary>Syncer's "synced: ...; {Millis} ms": render, diff and restore of both families, not the lists before them.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"; (\d+) ms\s*$")]
    private static partial System.Text.RegularExpressions.Regex SyncMillis();
}
