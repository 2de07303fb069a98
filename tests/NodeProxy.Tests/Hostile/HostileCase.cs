using NodeProxy.Rendering;

namespace NodeProxy.Tests.Hostile;

/// <summary>One folder of testdata/hostile (see its README.md): the input, the flags, and what a user must observe.</summary>
internal sealed record HostileCase(string Folder)
{
    public static IEnumerable<string> Names =>
        Directory.GetDirectories(Path.Combine(TestPaths.TestData, "hostile")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static HostileCase Named(string name) => new(Path.Combine(TestPaths.TestData, "hostile", name));

    public string Input => Path.Combine(Folder, "input");

    public string FlagText => File.ReadAllText(Path.Combine(Folder, "flags"));

    public string[] Flags => FlagText.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>(Kind, Object as logged, Reason), one per refusal, repeated when an object is refused more than once for one reason.</summary>
    public IReadOnlyList<(string Kind, string Object, string Reason)> Refusals =>
    [
        .. File.ReadAllLines(Path.Combine(Folder, "expected"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => (l[..l.IndexOf(' ')], l[(l.IndexOf(' ') + 1)..l.LastIndexOf(' ')], l[(l.LastIndexOf(' ') + 1)..])),
    ];

    /// <summary>
    /// The rules of the valid objects alone (input/1-good.yaml and survivors.yaml), rendered
    /// in-process with the same flags: what the kernel must hold, per family.
    /// </summary>
    public (string[] V4, string[] V6, TestPipeline Pipeline) ValidRules()
    {
        var folder = Directory.CreateTempSubdirectory("nodeproxy-hostile-").FullName;
        try
        {
            File.Copy(Path.Combine(Input, "1-good.yaml"), Path.Combine(folder, "1-good.yaml"));
            var survivors = Path.Combine(Folder, "survivors.yaml");
            if (File.Exists(survivors))
            {
                File.Copy(survivors, Path.Combine(folder, "2-survivors.yaml"));
            }

            var pipeline = TestPipeline.FromFlags(folder, FlagText);
            return (OwnedRules.Of(Renderer.Render(pipeline.Model.V4)), OwnedRules.Of(Renderer.Render(pipeline.Model.V6)), pipeline);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
