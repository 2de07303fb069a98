using System.Threading.Channels;
using k8s.Models;
using NodeProxy.Sources.Kubernetes;

namespace NodeProxy.Tests.FakeApi;

/// <summary>
/// Drains a watch in the background, through the agent's own request and decoder (what the
/// informers read), so a test can await its events and how it ended.
/// </summary>
public sealed class WatchRecorder<T> : IAsyncDisposable
    where T : class
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    readonly Channel<WatchEvent<T>> events = Channel.CreateUnbounded<WatchEvent<T>>();
    readonly CancellationTokenSource stop = new();

    WatchRecorder(ApiTransport api, string pathAndQuery) =>
        Ended = Task.Run(async () =>
        {
            try
            {
                using var response = await api.GetAsync(pathAndQuery, stop.Token);
                await using var body = await response.Content.ReadAsStreamAsync(stop.Token);
                await foreach (var item in WatchDecoder<T>.ReadAsync(body, stop.Token))
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

    public static WatchRecorder<T> Start(ApiTransport api, string pathAndQuery) => new(api, pathAndQuery);

    public async Task<WatchEvent<T>> NextAsync() =>
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
