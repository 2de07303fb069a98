using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Tests.Diff;
using Xunit;

namespace NodeProxy.Tests.Rendering;

/// <summary>Past kube-proxy's 1,000-endpoint threshold, endpoint rules lose their comments and nothing else.</summary>
public sealed class LargeClusterTests
{
    [Fact]
    public void EndpointRulesLoseTheirCommentsPastAThousandEndpoints()
    {
        var small = RestoreText.Write(Renderer.Render(SyntheticModel.Create(100)));
        var large = RestoreText.Write(Renderer.Render(SyntheticModel.Create(101)));

        Assert.Contains("--comment \"ns5/svc5:http -> 10.64.0.80:8080\"", small, StringComparison.Ordinal);
        Assert.DoesNotContain(" -> 10.64.", large, StringComparison.Ordinal);
        Assert.Contains("--comment \"ns5/svc5:http cluster IP\"", large, StringComparison.Ordinal);
        var dnat = large.Split('\n').Where(l => l.Contains("-j DNAT", StringComparison.Ordinal)).ToList();
        // One DNAT per endpoint, and one more for each affinity check.
        Assert.Equal(SyntheticModel.Create(101).Services.Sum(p => p.ClusterEndpoints.Length * (p.AffinitySeconds is null ? 1 : 2)), dnat.Count);
        Assert.All(dnat, l => Assert.DoesNotContain("--comment", l, StringComparison.Ordinal));
        Assert.True(large.Length < small.Length, "101 services without endpoint comments take fewer bytes than 100 with");
    }
}
