using NodeProxy.Lab;
using Xunit;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>Sending many connections, and checking them, the way the end-to-end tests need.</summary>
internal static class Traffic
{
    public static async Task<List<Reply>> ManyAsync(int count, Func<Task<Reply>> request)
    {
        var replies = new List<Reply>();
        for (var i = 0; i < count; i++)
        {
            replies.Add(await request());
        }

        return replies;
    }

    public static void AllAnswered(IEnumerable<Reply> replies) =>
        Assert.All(replies, r => Assert.True(r.Outcome == ReplyOutcome.Answered, $"expected an answer, got {r}"));

    /// <summary>Sends connections back to back until stopped, counting what failed.</summary>
    public sealed class Background : IAsyncDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task<List<Reply>> running;

        public Background(Func<Task<Reply>> request) => running = Task.Run(async () =>
        {
            var replies = new List<Reply>();
            while (!stop.IsCancellationRequested)
            {
                replies.Add(await request());
            }

            return replies;
        });

        public async Task<List<Reply>> StopAsync()
        {
            stop.Cancel();
            return await running;
        }

        public async ValueTask DisposeAsync()
        {
            stop.Cancel();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
