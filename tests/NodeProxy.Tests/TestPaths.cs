using System.Runtime.CompilerServices;

namespace NodeProxy.Tests;

internal static class TestPaths
{
    /// <summary>testdata as copied next to the test assembly.</summary>
    public static string TestData => Path.Combine(AppContext.BaseDirectory, "testdata");

    /// <summary>The examples folder as copied next to the test assembly.</summary>
    /// <summary>The agent's own build output, copied by the project file: see CopyAgent there.</summary>
    public static string Agent => Path.Combine(AppContext.BaseDirectory, "agent", "nodeproxy.dll");

    public static string Examples => Path.Combine(AppContext.BaseDirectory, "examples");

    /// <summary>testdata in the source tree, for rewriting golden files.</summary>
    public static string SourceTestData => Path.Combine(SourceDir(), "testdata");

    private static string SourceDir([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
