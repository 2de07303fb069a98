using NodeProxy.Apply;
using NodeProxy.Diff;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Apply;

/// <summary>The real iptables tools, in a namespace the test made.</summary>
public sealed class IptablesToolTests
{
    [Fact]
    public async Task AnEmptyNodeGetsNftAndANodeWithLegacyRulesKeepsLegacy()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        string[] prefix = ["ip", "netns", "exec", ns.Name];
        Assert.Equal(IptablesBackend.Nft, await BackendDetector.DetectAsync(prefix));

        await ns.RunAsync("iptables-legacy", ["-t", "nat", "-A", "POSTROUTING", "-s", "10.9.0.0/16", "-j", "MASQUERADE"]);

        Assert.Equal(IptablesBackend.Legacy, await BackendDetector.DetectAsync(prefix));
    }

    [Theory]
    [InlineData(IptablesBackend.Nft)]
    [InlineData(IptablesBackend.Legacy)]
    public async Task AFailedRestoreSaysWhyAndLeavesTheWorkingRulesAlone(IptablesBackend backend)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tool = new IptablesTool(IpFamily.V4, backend, ["ip", "netns", "exec", ns.Name]);
        var wanted = Renderer.Render(TestPipeline.FromGoldenCase("clusterip").Model.V4);
        await tool.RestoreAsync(RestoreText.Write(wanted));
        var working = await tool.SaveAsync();

        // A batch that rewrites a service chain and then carries one line the kernel refuses.
        var chain = wanted.Find("nat")!.Chains.First(c => c.Name.StartsWith("NP-SVC-", StringComparison.Ordinal)).Name;
        var bad = $"*nat\n:{chain} - [0:0]\n-A {chain} -p tcp -j DNAT --to-destination 10.1.1.1:80\n-A {chain} -m nosuchmatch -j ACCEPT\nCOMMIT\n";
        var error = await Assert.ThrowsAsync<IptablesException>(() => tool.RestoreAsync(bad));

        Assert.Contains("restore failed", error.Message, StringComparison.Ordinal);
        Assert.Equal(bad, error.Batch);
        Assert.Equal(KernelTables.From(wanted).Table("nat").Chains[chain].ToArray(), SaveParser.Parse(await tool.SaveAsync()).Table("nat").Chains[chain].ToArray());
        Assert.Equal(Rules(working), Rules(await tool.SaveAsync()));
    }

    private static IEnumerable<string> Rules(string save) => save.Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal));
}
