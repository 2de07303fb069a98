using System.Runtime.CompilerServices;

namespace NodeProxy.Bench;

/// <summary>
/// The environment the image gives the agent (the Dockerfile's ENV lines): runtime settings
/// such as the GC's first-generation budget live there, so the agent this benchmark measures
/// runs as it would in the DaemonSet, not as a bare `dotnet nodeproxy.dll`.
/// </summary>
internal static class ImageEnvironment
{
    public static IReadOnlyDictionary<string, string?> Read()
    {
        var dockerfile = Path.GetFullPath(Path.Combine(ThisDir(), "..", "..", "Dockerfile"));
        return File.ReadAllLines(dockerfile)
            .Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
            .Select(l => l["ENV ".Length..].Trim().Split('=', 2))
            .ToDictionary(p => p[0], p => (string?)p[1]);
    }

    private static string ThisDir([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
