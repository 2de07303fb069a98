using System.Text.RegularExpressions;
using Xunit;

namespace NodeProxy.Tests.Deploy;

/// <summary>
/// The Dockerfile's promises to an operator, as text; tests/NodeProxy.Tests/Image builds and runs it.
/// </summary>
public sealed partial class DockerfileTests
{
    private readonly string[] lines = [.. Logical(File.ReadAllLines(DeployFiles.Dockerfile))];

    [Fact]
    public void BuildsOnTheRealUpstreamBaseUnlessToldOtherwise()
    {
        Assert.Equal("ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim", Assert.Single(lines, l => l.StartsWith("ARG BASE_IMAGE", StringComparison.Ordinal)));
        Assert.Equal("FROM ${BASE_IMAGE}", Assert.Single(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal)));
    }

    [Fact]
    public void InstallsIptablesConntrackAndTlsOnlyWhenTheBaseLacksThem()
    {
        var run = Assert.Single(lines, l => l.StartsWith("RUN ", StringComparison.Ordinal));

        Assert.Matches(@"^RUN dpkg-query -W iptables conntrack libssl3 .*\|\| \{ apt-get update && apt-get install -y --no-install-recommends iptables conntrack libssl3 ", run);
    }

    [Fact]
    public void CopiesTheNativeAgentAndRunsIt()
    {
        Assert.Equal("COPY out/linux-x64/ /app/", Assert.Single(lines, l => l.StartsWith("COPY", StringComparison.Ordinal)));
        Assert.Equal("ENTRYPOINT [\"/app/nodeproxy\"]", Assert.Single(lines, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
        Assert.Equal("CMD [\"run\"]", Assert.Single(lines, l => l.StartsWith("CMD", StringComparison.Ordinal)));
    }

    [Fact]
    public void CapsTheFirstGenerationBudgetTheMemoryFiguresAssume()
    {
        // docs/benchmarks.md's agent memory and the DaemonSet's limit were measured with it;
        // without it the runtime's gen0 budget follows the L3 cache size. Hex without "0x",
        // the only spelling NativeAOT's runtime reads.
        Assert.Equal("ENV DOTNET_GCgen0size=1000000", Assert.Single(lines, l => l.StartsWith("ENV ", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheContextSendsOnlyThePublishedAgentWithoutItsSymbols()
    {
        var ignore = File.ReadAllLines(Path.Combine(DeployFiles.RepoRoot, ".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

        Assert.Equal(["*", "!out/linux-x64", "out/linux-x64/*.dbg"], ignore);
    }

    /// <summary>Instructions with their continuation lines joined, comments dropped.</summary>
    private static IEnumerable<string> Logical(IEnumerable<string> raw)
    {
        var current = "";
        foreach (var line in raw.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            current += (current.Length > 0 ? " " : "") + line.TrimEnd('\\').Trim();
            if (!line.EndsWith('\\'))
            {
                yield return Spaces().Replace(current, " ");
                current = "";
            }
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
