using System.Net.Sockets;
using NodeProxy.Http;
using Xunit;

namespace NodeProxy.Tests.Operate;

/// <summary>The rules the listeners live by, without sockets: who is evicted, how long accept waits, how big the caps are.</summary>
public sealed class ListenerPartsTests
{
    [Fact]
    public void AFullBudgetEvictsItsOldestConnectionsFirstAndAClosedOneFreesItsPlace()
    {
        var budget = new ConnectionBudget("test", 3);
        var connections = Enumerable.Range(0, 6).Select(i => new Connection(i)).ToList();

        var evicted = connections.Take(5).Select(budget.Admit).ToList();
        budget.Release(connections[3]);
        var afterRelease = budget.Admit(connections[5]);

        Assert.Equal([null, null, null, connections[0], connections[1]], evicted);
        Assert.Null(afterRelease);
        Assert.Equal(3, budget.Count);
    }

    [Fact]
    public void ReleasingAnEvictedConnectionFreesNothingTwice()
    {
        var budget = new ConnectionBudget("test", 1);
        var (first, second) = (new Connection(1), new Connection(2));
        budget.Admit(first);
        budget.Admit(second);

        budget.Release(first);

        Assert.Equal(1, budget.Count);
        Assert.Same(second, budget.Admit(new Connection(3)));
    }

    [Fact]
    public void AcceptFailingForWantOfDescriptorsWaitsLongerEachTimeUpToASecondAndStartsOverAfterASuccess()
    {
        var backoff = new AcceptBackoff();

        var waits = Enumerable.Range(0, 9).Select(_ => backoff.Failed(SocketError.TooManyOpenSockets).TotalMilliseconds).ToList();
        backoff.Succeeded();

        Assert.Equal([10, 20, 40, 80, 160, 320, 640, 1000, 1000], waits);
        Assert.Equal(TimeSpan.FromMilliseconds(10), backoff.Failed(SocketError.NoBufferSpaceAvailable));
    }

    [Fact]
    public void AConnectionLostInTheBacklogIsSkippedAtOnce()
    {
        var backoff = new AcceptBackoff();
        backoff.Failed(SocketError.TooManyOpenSockets);

        Assert.Equal(TimeSpan.Zero, backoff.Failed(SocketError.ConnectionAborted));
        Assert.Equal(TimeSpan.Zero, backoff.Failed(SocketError.ConnectionReset));
        Assert.True(AcceptBackoff.IsStop(SocketError.OperationAborted));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(4096)]
    [InlineData(20_000)]
    [InlineData(1_048_576)]
    public void TheCapsLeaveTheReserveFreeTwiceOverWheneverTheLimitAllows(long openFiles)
    {
        var limits = ListenerLimits.For(openFiles);
        var defaults = new ListenerLimits();

        Assert.True(limits.TotalConnections <= Math.Max(12, (openFiles - ListenerLimits.Reserved) / 2), $"{limits.TotalConnections} connections under a limit of {openFiles}");
        Assert.All([limits.HealthConnections, limits.MetricsConnections, limits.HealthCheckConnections], c => Assert.InRange(c, 4, defaults.HealthConnections));
        Assert.Equal(openFiles >= ListenerLimits.Reserved + (2 * defaults.TotalConnections), limits == defaults);
    }

    private sealed record Connection(int Id) : IEvictable
    {
        public void Evict()
        {
        }
    }
}
