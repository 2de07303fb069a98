using System.Runtime.CompilerServices;

namespace NodeProxy.Tests;

/// <summary>
/// The end-to-end tests wait on process exits and timers through the thread pool while other test
/// classes run long synchronous, allocation-heavy work (10k-service models) on the same two cores.
/// With the default minimum of one thread per core, those continuations queued behind the busy
/// threads for seconds, and an agent that had stopped at once was reported as hung and killed.
/// </summary>
internal static class ThreadPoolWarmUp
{
    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
