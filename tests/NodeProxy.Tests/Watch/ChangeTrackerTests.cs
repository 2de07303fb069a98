using NodeProxy.Sources.Kubernetes;
using Xunit;

namespace NodeProxy.Tests.Watch;

public sealed class ChangeTrackerTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private readonly ManualClock clock = new();

    [Fact]
    public void ManyChangesOfOneObjectAreOnePendingChangeTimedFromTheFirst()
    {
        var changes = new ChangeTracker(clock);
        for (var i = 0; i < 1000; i++)
        {
            changes.Changed("default/web-abc", null, ChangeKind.Endpoints);
            changes.Changed("default/web", null, ChangeKind.Service);
            changes.Changed(null);
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(1, changes.Pending(ChangeKind.Endpoints));
        Assert.Equal(1, changes.Pending(ChangeKind.Service));
        Assert.Equal(1000, changes.EndpointChangesTotal);

        var latencies = changes.Applied(clock.GetUtcNow());

        Assert.Equal([10 * Second, 10 * Second, 10 * Second], latencies);
        Assert.Equal(0, changes.Pending(ChangeKind.Endpoints));
    }

    [Fact]
    public void AChangeAfterTheSyncBeganStaysPendingForTheNextSync()
    {
        var changes = new ChangeTracker(clock);
        changes.Changed("default/web-abc", null, ChangeKind.Endpoints);
        clock.Advance(Second);
        var syncStart = clock.GetUtcNow();
        clock.Advance(Second);
        changes.Changed("default/web-abc", null, ChangeKind.Endpoints);
        changes.Changed("default/other-abc", null, ChangeKind.Endpoints);
        clock.Advance(Second);

        Assert.Equal([3 * Second], changes.Applied(syncStart));
        Assert.Equal(2, changes.Pending(ChangeKind.Endpoints));
        Assert.Equal([Second, Second], changes.Applied(clock.GetUtcNow()));
        Assert.Equal(0, changes.Pending(ChangeKind.Endpoints));
    }
}
