namespace NodeProxy.Sources;

/// <summary>The manifest files under a path, in a stable order.</summary>
internal static class ManifestFiles
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static IReadOnlyList<string> Find(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"manifest path '{path}' is neither a file nor a folder", path);
        }

        // The default options skip hidden entries, and that matters: a ConfigMap mounted as a
        // volume holds every file three times, twice under "..data" and "..<timestamp>" folders.
        return Directory
            .EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true })
            .Where(IsManifest)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static bool IsJson(string file) => Path.GetExtension(file).Equals(".json", StringComparison.OrdinalIgnoreCase);

    private static bool IsManifest(string file) =>
        Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);
}
