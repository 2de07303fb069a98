using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Rendering;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Diff;

/// <summary>
/// The bytes a change writes must not grow with the cluster: measured on a 10,000-service model
/// against the budget of 4 KB per change (a count of bytes, not a timing).
/// </summary>
public sealed class DiffSizeTests(ITestOutputHelper output)
{
    private const int Budget = 4096;
    private static readonly NodeModel Large = SyntheticModel.Create(10_000);
    private static readonly KernelTables Applied = KernelTables.From(Renderer.Render(Large));

    [Fact]
    public void NoChangeWritesNothing() =>
        Assert.True(Differ.Diff(Applied, Renderer.Render(Large)).IsEmpty);

    [Theory]
    [InlineData(0)]
    [InlineData(4_999)]
    [InlineData(9_999)]
    public void OneEndpointChangeStaysWithinBudget(int service)
    {
        var changed = SyntheticModel.Replace(Large, service, p => p with
        {
            ClusterEndpoints = p.ClusterEndpoints.SetItem(3, p.ClusterEndpoints[3] with { Port = 9090 }),
        });

        var batch = DiffWithinBudget(changed);

        Assert.Contains(":9090", batch.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AddingOneServiceStaysWithinBudget()
    {
        var added = Large with { Services = Large.Services.Add(SyntheticModel.Service(10_000) with { NodePort = 32000 }) };

        var batch = DiffWithinBudget(added);

        Assert.Equal(1, batch.ChainsWritten);
        Assert.Contains("ns0/svc10000:http cluster IP", batch.Text, StringComparison.Ordinal);
        Assert.Contains("--dport 32000", batch.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void DeletingOneServiceStaysWithinBudget()
    {
        var removed = Large with { Services = Large.Services.RemoveAt(3) };

        var batch = DiffWithinBudget(removed);

        Assert.Equal(1, batch.ChainsDeleted);
        Assert.Contains("-X NP-SVC-", batch.Text, StringComparison.Ordinal);
        Assert.Contains("-D NP-NODEPORTS ", batch.Text, StringComparison.Ordinal);
    }

    /// <summary>The batch from the applied 10k model to <paramref name="changed"/>, checked against the budget.</summary>
    private RestoreBatch DiffWithinBudget(NodeModel changed)
    {
        // As on iptables-nft, where a large batch is split (see StagingTests); a small one never is.
        var batch = Differ.Diff(Applied, Renderer.Render(changed), stagingLimit: NodeProxy.Apply.IptablesTool.DefaultNftStagingLimit);
        output.WriteLine($"{batch.Bytes} bytes, {batch.Lines} lines");
        Assert.InRange(batch.Bytes, 1, Budget);
        return batch;
    }
}
