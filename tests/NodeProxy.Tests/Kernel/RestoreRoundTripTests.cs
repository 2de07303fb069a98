using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Tests.Rendering;
using Xunit;

namespace NodeProxy.Tests.Kernel;

/// <summary>
/// Every golden case's batch loads into the real kernel, on both iptables backends, and
/// iptables-save prints back exactly the rules we wrote: the renderer writes the canonical
/// form, which the diff engine relies on to compare kernel state with wanted state.
/// </summary>
public sealed class RestoreRoundTripTests
{
    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var name in GoldenTests.CaseNames())
        {
            foreach (var backend in new[] { "nft", "legacy" })
            {
                data.Add(name, backend, 4);
                data.Add(name, backend, 6);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task KernelSavesBackWhatWasWritten(string name, string backend, int family)
    {
        var pipeline = TestPipeline.FromGoldenCase(name);
        var rules = Renderer.Render(pipeline.Model.For((IpFamily)family));
        var tool = family == 4 ? "iptables" : "ip6tables";

        await using var ns = await NetworkNamespace.CreateAsync();
        await ns.RunAsync($"{tool}-{backend}-restore", ["--noflush", "--wait"], RestoreText.Write(rules));
        var saved = await ns.RunAsync($"{tool}-{backend}-save", []);

        var written = rules.Tables.SelectMany(t => t.Chains.SelectMany(c => c.Rules.Select(r => $"-A {c.Name} {r.RenderSpec()}"))
            .Concat(t.Jumps.Select(j => $"-A {j.BuiltinChain} {j.Rule.RenderSpec()}")));
        var read = saved.Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal));
        Assert.Equal(written.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
    }
}
