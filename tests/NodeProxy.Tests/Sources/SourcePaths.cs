namespace NodeProxy.Tests.Sources;

internal static class SourcePaths
{
    public static string Fixture(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "testdata", "sources", .. parts]);

    public static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "examples", name);
}
