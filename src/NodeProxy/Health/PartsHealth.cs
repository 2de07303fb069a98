using Microsoft.Extensions.Logging;

namespace NodeProxy.Health;

/// <summary>
/// The parts that must run as long as the agent does (each informer loop, the sync loop, the
/// health server). One that ends before shutdown, however it ended, has died for good: the
/// agent is then no longer doing its job, and /livez says so, so that the kubelet restarts it.
/// </summary>
public sealed class PartsHealth(ILogger log)
{
    private readonly Lock gate = new();
    private readonly List<string> dead = [];

    /// <summary>What has died, with how: empty while every part runs.</summary>
    public IReadOnlyList<string> Dead
    {
        get
        {
            lock (gate)
            {
                return [.. dead];
            }
        }
    }

    /// <summary>Watches <paramref name="part"/>: its end before <paramref name="stopping"/> fires is its death.</summary>
    public void Watch(string name, Task part, CancellationToken stopping) =>
        part.ContinueWith(
            ended =>
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                var how = ended.Exception?.GetBaseException() is { } e ? $"{e.GetType().Name}: {e.Message}" : "it returned";
                var death = $"{name} died ({how})";
                lock (gate)
                {
                    dead.Add(death);
                }

                log.LogCritical("{Death}; /livez now fails so that the agent is restarted", death);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
