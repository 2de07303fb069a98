using Xunit;

namespace NodeProxy.Tests;

/// <summary>Waits for something asynchronous to happen, failing clearly (and early if the work behind it died).</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, Task running, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {seconds} s");
            Assert.False(running.IsFaulted, running.Exception?.ToString());
            await Task.Delay(20);
        }
    }
}
