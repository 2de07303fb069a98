using NodeProxy.Sync;
using Xunit;

namespace NodeProxy.Tests.Sync;

public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void WaitsDoubleUpToTheSyncPeriodAndStartOverAfterASuccess()
    {
        var backoff = new RetryBackoff(Second, TimeSpan.FromSeconds(30), () => 0);

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(0, 7).Select(_ => backoff.Next().TotalSeconds));
        backoff.Reset();
        Assert.Equal(1, backoff.Next().TotalSeconds);
    }

    [Fact]
    public void JitterTakesUpToAQuarterOffAndNeverAddsToTheCeiling()
    {
        var random = new Random(7);
        var waits = Enumerable.Range(0, 200).Select(_ =>
        {
            var backoff = new RetryBackoff(Second, TimeSpan.FromSeconds(30), random.NextDouble);
            return Enumerable.Range(0, 8).Select(_ => backoff.Next().TotalSeconds).ToList();
        }).ToList();

        Assert.All(waits, w => Assert.InRange(w[0], 0.75, 1));
        Assert.All(waits, w => Assert.InRange(w[7], 22.5, 30));
        // Nodes that failed together spread out: the first retries are not all in step.
        Assert.True(waits.Select(w => Math.Round(w[0], 2)).Distinct().Count() > 10);
    }
}
