using CliWrap;

namespace NodeProxy.Lab;

/// <summary>
/// A long-running process inside a lab namespace (the nodeproxy agent, or anything else) whose
/// output lines are collected so a test can wait for what it says.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    /// <summary>What ExitCode reports for a process that KillAsync (or Lab disposal) killed.</summary>
    public const int KilledExitCode = 137;

    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private readonly List<string> _lines = [];
    private readonly CancellationTokenSource _kill = new();
    private readonly string _prefix;
    private readonly Action<string>? _log;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _processId;

    private AgentProcess(string prefix, Action<string>? log)
    {
        _prefix = prefix;
        _log = log;
        ExitCode = Task.FromResult(0);
    }

    public Task<int> ExitCode { get; private set; }

    public bool HasExited => ExitCode.IsCompleted;

    /// <summary>The agent's own process id (ip netns exec execs it in place), for finding its children.</summary>
    public int ProcessId => _processId;

    public int LineCount
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    internal static AgentProcess Start(string netns, string name, string program, IEnumerable<string> args, Action<string>? log)
    {
        var process = new AgentProcess(name, log);
        var command = Cli.Wrap("ip")
            .WithArguments(["netns", "exec", netns, program, .. args])
            .WithStandardOutputPipe(PipeTarget.ToDelegate(process.Add))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(process.Add))
            .WithValidation(CommandResultValidation.None);

        // ip netns exec execs the program in place, so this id is the program's own: a signal reaches it.
        var task = command.ExecuteAsync(process._kill.Token);
        process._processId = task.ProcessId;
        process.ExitCode = process.WatchAsync(task);
        return process;
    }

    /// <summary>Waits for a line from fromLine on that matches; throws with the recent output if none comes.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, int fromLine = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                var found = _lines.Skip(fromLine).FirstOrDefault(match);
                if (found is not null)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            if (HasExited)
            {
                throw new InvalidOperationException($"{_prefix} exited ({ExitCode.Result}) before the line came:\n{Tail()}");
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{_prefix} printed no such line within {timeout.TotalSeconds:0.#} s:\n{Tail()}");
            }

            await Task.WhenAny(changed, ExitCode, Task.Delay(left));
        }
    }

    public Task<int> WaitForExitAsync() => ExitCode;

    /// <summary>SIGTERM, as the kubelet stopping a pod sends; SIGKILL if it has not exited after 5 s.</summary>
    /// <remarks>
    /// Not SIGINT: a shell starts background jobs with SIGINT ignored and the runtime leaves an
    /// ignored SIGINT ignored, so a test run started with `&amp;` could never stop its agents that way.
    /// </remarks>
    public Task<int> StopAsync() => SignalAsync(LibC.SigTerm, "SIGTERM");

    /// <summary>SIGINT, as Ctrl+C in a terminal sends; SIGKILL if it has not exited after 5 s.</summary>
    public Task<int> InterruptAsync() => SignalAsync(LibC.SigInt, "SIGINT");

    /// <summary>
    /// kill -9 of the agent alone, as a crash or the OOM killer would: unlike <see cref="KillAsync"/>
    /// its children (an iptables-restore in flight) live on.
    /// </summary>
    public void Crash() => LibC.kill(_processId, LibC.SigKill);

    public async Task<int> KillAsync()
    {
        if (!HasExited)
        {
            await _kill.CancelAsync();
        }

        return await ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _kill.Dispose();
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int lines = 40)
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.TakeLast(lines));
        }
    }

    private async Task<int> SignalAsync(int signal, string name)
    {
        if (!HasExited)
        {
            LibC.kill(_processId, signal);
            if (await Task.WhenAny(ExitCode, Task.Delay(GracePeriod)) != ExitCode)
            {
                Log($"did not stop within 5 s of {name}: killing it");
                return await KillAsync();
            }
        }

        return await ExitCode;
    }

    private async Task<int> WatchAsync(CommandTask<CommandResult> task)
    {
        try
        {
            var result = await task;
            Log($"exited with {result.ExitCode}");
            return result.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Log("killed");
            return KilledExitCode;
        }
        finally
        {
            lock (_lines)
            {
                _changed.TrySetResult();
            }
        }
    }

    private void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Log(line);
    }

    private void Log(string line)
    {
        try
        {
            _log?.Invoke($"{_prefix}| {line}");
        }
        catch (Exception)
        {
            // xunit's output helper throws once its test is over; the line is still in Lines.
        }
    }
}
