using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using Xunit;

namespace NodeProxy.Tests.Rendering;

/// <summary>
/// testdata/golden/&lt;case&gt;/: manifests (*.yaml) and a `flags` file with the command-line flags of
/// the node -> expected.v4.rules / expected.v6.rules, the exact iptables-restore text.
/// Run with UPDATE_GOLDEN=1 to rewrite the expected files in the source tree, then review the diff.
/// </summary>
public sealed class GoldenTests
{
    public static IEnumerable<string> CaseNames() =>
        Directory.GetDirectories(Path.Combine(TestPaths.TestData, "golden")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static TheoryData<string> Cases() => new(CaseNames());

    [Theory]
    [MemberData(nameof(Cases))]
    public void RendersExpectedRestoreText(string name)
    {
        var dir = Path.Combine(TestPaths.TestData, "golden", name);
        var pipeline = TestPipeline.FromFixture(dir);
        Assert.Empty(pipeline.Problems);
        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
        {
            var expectedFile = $"expected.v{(int)family}.rules";
            var actual = RestoreText.Write(Renderer.Render(pipeline.Model.For(family)));
            if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
            {
                File.WriteAllText(Path.Combine(TestPaths.SourceTestData, "golden", name, expectedFile), actual);
                continue;
            }

            var expected = File.ReadAllText(Path.Combine(dir, expectedFile));
            Assert.Equal(expected, actual);
        }
    }
}
