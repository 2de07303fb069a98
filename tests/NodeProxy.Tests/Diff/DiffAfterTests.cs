using NodeProxy.Diff;
using NodeProxy.Rendering;
using NodeProxy.Tests.Rendering;
using Xunit;

namespace NodeProxy.Tests.Diff;

/// <summary>The state a diff says the kernel will be in is exactly the wanted rule set, from any start.</summary>
public sealed class DiffAfterTests
{
    public static TheoryData<string> Cases() => [.. GoldenTests.CaseNames()];

    [Theory]
    [MemberData(nameof(Cases))]
    public void AfterIsTheWantedRuleSetInKernelForm(string name)
    {
        var wanted = Renderer.Render(TestPipeline.FromGoldenCase(name).Model.V4);
        var elsewhere = KernelTables.From(Renderer.Render(TestPipeline.FromGoldenCase("clusterip").Model.V4));
        var expected = KernelTables.From(wanted);

        foreach (var start in new[] { KernelTables.Empty, elsewhere, expected })
        {
            var after = Differ.Diff(start, wanted).After;
            Assert.Equal(expected.Tables.Keys.Order(StringComparer.Ordinal), after.Tables.Keys.Order(StringComparer.Ordinal));
            foreach (var (table, state) in expected.Tables)
            {
                Assert.Equal(state.Chains.Keys.Order(StringComparer.Ordinal), after.Table(table).Chains.Keys.Order(StringComparer.Ordinal));
                Assert.All(state.Chains, c => Assert.Equal(c.Value.ToArray(), after.Table(table).Chains[c.Key].ToArray()));
                Assert.Equal(state.Jumps.ToArray(), after.Table(table).Jumps.ToArray());
            }
        }
    }

    [Fact]
    public void TheAppliedStateHoldsEachWrittenChainsOwnTextNotACopy()
    {
        var wanted = Renderer.Render(SyntheticModel.Create(200));

        var after = Differ.Diff(KernelTables.Empty, wanted, stagingLimit: 50).After;

        foreach (var table in wanted.Tables)
        {
            Assert.All(table.Chains, c => Assert.Same(c.Text, after.Table(table.Name).Chains[c.Name]));
        }
    }
}
