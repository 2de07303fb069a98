using NodeProxy.Commands;
using Xunit;

namespace NodeProxy.Tests.Commands;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("500ms", 500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("0.5s", 500)]
    public void ReadsKubeProxyStyleDurations(string text, int millis)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(millis), duration);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("1d")]
    [InlineData("1h-5m")]
    [InlineData("")]
    public void RefusesAnythingElse(string text)
    {
        Assert.False(DurationText.TryParse(text, out _));
    }
}
