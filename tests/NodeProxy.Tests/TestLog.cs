using Xunit.Abstractions;

namespace NodeProxy.Tests;

internal static class TestLog
{
    /// <summary>A sink for background processes' lines that outlive the test: xunit refuses them then.</summary>
    public static Action<string> To(ITestOutputHelper output) => line =>
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has ended; a late line has nowhere to go.
        }
    };
}
