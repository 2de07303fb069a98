using NodeProxy.Health;
using NodeProxy.Net;
using Xunit;

namespace NodeProxy.Tests.Operate;

/// <summary>kube-proxy's health rule, on a clock the test turns.</summary>
public sealed class ProxyHealthTests
{
    private readonly ManualClock clock = new();

    [Fact]
    public void StartingAndIdlingAreHealthy()
    {
        var health = Health();
        Assert.True(health.Check(withNode: true).Healthy);

        health.Updated(IpFamily.V4);
        health.Updated(IpFamily.V6);
        clock.Advance(TimeSpan.FromHours(3));

        Assert.True(health.Check(withNode: false).Healthy);
    }

    [Fact]
    public void AnUpdatePendingLongerThanTheTimeoutIsUnhealthyUntilASyncLands()
    {
        var health = Health();
        health.Queued();
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(health.Check(withNode: false).Healthy);

        clock.Advance(TimeSpan.FromSeconds(1));
        var (healthy, body) = health.Check(withNode: false);
        Assert.False(healthy);
        Assert.False(body["status"]!["IPv4"]!["healthy"]!.GetValue<bool>());

        health.Updated(IpFamily.V4);
        Assert.False(health.Check(withNode: false).Healthy);
        health.Updated(IpFamily.V6);
        Assert.True(health.Check(withNode: false).Healthy);
    }

    [Fact]
    public void OnlyHealthzCaresWhetherTheNodeIsBeingRemoved()
    {
        var health = Health();
        health.NodeEligible = () => false;

        var healthz = health.Check(withNode: true);
        var livez = health.Check(withNode: false);

        Assert.False(healthz.Healthy);
        Assert.False(healthz.Body["nodeEligible"]!.GetValue<bool>());
        Assert.True(livez.Healthy);
        Assert.Null(livez.Body["nodeEligible"]);
    }

    private ProxyHealth Health() => new([IpFamily.V4, IpFamily.V6], TimeSpan.FromSeconds(60), clock);
}
