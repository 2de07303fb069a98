using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Sources;

/// <summary>
/// The stores keep trimmed copies (<see cref="ObjectTrim"/>): every fixture with node flags
/// (golden, packet flows, bad and hostile input) must give the same rules and the same problems
/// from the copies as from the whole objects. A trim that drops a field the model reads fails here.
/// </summary>
public sealed class TrimmedObjectsTests
{
    public static TheoryData<string> Fixtures() => new(
        Directory.GetFiles(TestPaths.TestData, "flags", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(TestPaths.TestData, Path.GetDirectoryName(f)!))
            .Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TrimmedObjectsGiveTheSameRulesAndProblemsAsWholeOnes(string fixture)
    {
        var dir = Path.Combine(TestPaths.TestData, fixture);
        var config = TestPipeline.ParseFlags(File.ReadAllText(Path.Combine(dir, "flags")));

        // A hostile case keeps its manifests in input/, beside what it expects.
        var source = Directory.Exists(Path.Combine(dir, "input")) ? Path.Combine(dir, "input") : dir;
        var whole = Outcome(ManifestSource.Load(source, trim: false), config);
        var trimmed = Outcome(ManifestSource.Load(source), config);

        Assert.Equal(whole.Problems, trimmed.Problems);
        Assert.Equal(whole.V4, trimmed.V4);
        Assert.Equal(whole.V6, trimmed.V6);
        Assert.NotEmpty(whole.V4 + whole.V6);
    }

    private static (string V4, string V6, string[] Problems) Outcome(ManifestLoad load, NodeConfig config)
    {
        var model = ModelBuilder.Build(load.Snapshot, config);
        string Rules(IpFamily family) => RestoreText.Write(Renderer.Render(model.For(family)));
        return (Rules(IpFamily.V4), Rules(IpFamily.V6), [.. load.Problems.Concat(model.Problems).Select(p => p.ToString())]);
    }
}
