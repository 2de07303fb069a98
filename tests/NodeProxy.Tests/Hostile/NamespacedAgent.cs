using CliWrap;
using NodeProxy.Tests.Kernel;

namespace NodeProxy.Tests.Hostile;

/// <summary>
/// The real `nodeproxy run` inside a test's namespace, its stderr kept line by line. StopAsync
/// sends SIGTERM, as a kubelet would; disposal kills whatever is still running.
/// </summary>
internal sealed class NamespacedAgent : IAsyncDisposable
{
    private readonly List<string> lines = [];
    private readonly CancellationTokenSource kill = new();
    private readonly CommandTask<CommandResult> task;

    private NamespacedAgent(NetworkNamespace ns, string[] args, Action<string> log)
    {
        void Add(string line)
        {
            lock (lines)
            {
                lines.Add(line);
            }

            log(line);
        }

        // ip netns exec execs the agent in place, so the process id is the agent's own.
        task = Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, "dotnet", TestPaths.Agent, .. args])
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Add))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Add))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(kill.Token);
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }

    public static NamespacedAgent Start(NetworkNamespace ns, string[] args, Action<string> log) => new(ns, args, log);

    public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Lines.Any(match))
        {
            if (task.Task.IsCompleted || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the agent printed no such line (exited: {task.Task.IsCompleted}):\n{string.Join('\n', Lines)}");
            }

            await Task.Delay(50);
        }
    }

    /// <returns>The exit code after SIGTERM.</returns>
    public async Task<int> StopAsync()
    {
        await Cli.Wrap("kill").WithArguments(["-TERM", task.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            .WithValidation(CommandResultValidation.None).ExecuteAsync();
        var exited = await Task.WhenAny(task.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        return exited == task.Task ? (await task).ExitCode : throw new TimeoutException("the agent did not stop within 10 s of SIGTERM");
    }

    public async ValueTask DisposeAsync()
    {
        await kill.CancelAsync();
        await task.Task.ContinueWith(_ => { }, TaskScheduler.Default);
        kill.Dispose();
    }
}
