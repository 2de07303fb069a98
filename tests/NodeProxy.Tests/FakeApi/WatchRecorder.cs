using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s;

namespace NodeProxy.Tests.FakeApi;

/// <summary>Drains a client watch in the background so a test can await its events, its onError calls and how it ended.</summary>
public sealed class WatchRecorder<T> : IAsyncDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    readonly Channel<(WatchEventType Type, T Object)> events = Channel.CreateUnbounded<(WatchEventType, T)>();
    readonly ConcurrentQueue<Exception> errors = new();
    readonly CancellationTokenSource stop = new();

    WatchRecorder(Func<Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> open) =>
        Ended = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in open(errors.Enqueue, stop.Token))
                    events.Writer.TryWrite(item);
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
            finally
            {
                events.Writer.TryComplete();
            }
        });

    /// <summary>Completes when the enumeration ends: null when it ended normally, else what it threw.</summary>
    public Task<Exception?> Ended { get; }

    /// <summary>What the client passed to onError, in order.</summary>
    public IReadOnlyList<Exception> Errors => [.. errors];

    public static WatchRecorder<T> Start(Func<Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> open) => new(open);

    public async Task<(WatchEventType Type, T Object)> NextAsync() =>
        await events.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    /// <summary>How the enumeration ended, failing the test if it has not within a few seconds.</summary>
    public Task<Exception?> EndAsync() => Ended.WaitAsync(Patience);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Ended;
        stop.Dispose();
    }
}
