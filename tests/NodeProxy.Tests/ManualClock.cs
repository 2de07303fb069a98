namespace NodeProxy.Tests;

/// <summary>A clock that moves only when the test says.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
