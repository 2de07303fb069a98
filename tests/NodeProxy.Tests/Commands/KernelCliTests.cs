using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Commands;

/// <summary>`nodeproxy run --once / --dry-run` and `cleanup`, the real executable in a namespace the test made.</summary>
public sealed class KernelCliTests
{
    private static readonly string[] Node1 = ["--source", TestPaths.Examples + "/nginx", "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16"];

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task RunOnceProgramsTheNamespaceAndASecondRunWritesNothing(string backend)
    {
        await using var ns = await NetworkNamespace.CreateAsync();

        var first = await RunAsync(ns, ["run", "--once", "--iptables-backend", backend, .. Node1]);
        var second = await RunAsync(ns, ["run", "--once", .. Node1]);

        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains("synced: IPv4 ", first.StandardError, StringComparison.Ordinal);
        var save = await ns.RunAsync($"iptables-{backend}-save", ["-t", "nat"]);
        Assert.Contains("--dport 30000 -j NP-SVC-", save, StringComparison.Ordinal);
        Assert.Contains($"iptables {backend}", second.StandardError, StringComparison.Ordinal);
        Assert.Contains("synced: IPv4 no change, read back from the kernel; IPv6 no change", second.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonLogsAreOneJsonObjectPerLine()
    {
        await using var ns = await NetworkNamespace.CreateAsync();

        var result = await RunAsync(ns, ["run", "--once", "--log-format", "json", .. Node1]);

        Assert.Equal(0, result.ExitCode);
        var messages = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("Message").GetString()).ToList();
        Assert.Contains(messages, m => m!.StartsWith("synced: IPv4 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DryRunPrintsTheBatchAndTouchesNothing()
    {
        await using var ns = await NetworkNamespace.CreateAsync();

        var result = await RunAsync(ns, ["run", "--dry-run", .. Node1]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("-j DNAT --to-destination 10.244.1.20:80", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("NP-", await ns.RunAsync("iptables-nft-save", []), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CleanupRemovesEveryNodeProxyRuleAndNothingElse()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        await ns.RunAsync("iptables-nft", ["-t", "nat", "-A", "POSTROUTING", "-s", "10.9.0.0/16", "-j", "MASQUERADE"]);
        await ns.RunAsync("iptables-nft", ["-t", "filter", "-N", "KUBE-FORWARD"]);
        var before = await ns.RunAsync("iptables-nft-save", []);
        Assert.Equal(0, (await RunAsync(ns, ["run", "--once", .. Node1])).ExitCode);

        var cleanup = await RunAsync(ns, ["cleanup"]);

        Assert.Equal(0, cleanup.ExitCode);
        Assert.Contains("iptables-nft: removed 16 chains and", cleanup.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(Lines(before), Lines(await ns.RunAsync("iptables-nft-save", [])));
        Assert.DoesNotContain("NP-", await ns.RunAsync("ip6tables-nft-save", []), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnceOnAMissingPathFailsWithOneClearLine()
    {
        await using var ns = await NetworkNamespace.CreateAsync();

        var result = await RunAsync(ns, ["run", "--once", "--source", "/nonexistent", "--node-name", "n"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot read the manifests", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadDurationIsRefusedBeforeAnythingRuns()
    {
        await using var ns = await NetworkNamespace.CreateAsync();

        var result = await RunAsync(ns, ["run", "--sync-period", "soon", .. Node1]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--sync-period takes a duration such as", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnceWithAHungIptablesSaveFailsAtTheDeadline()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        using var wrapper = ToolWrapper.Create("iptables-nft-save");
        wrapper.Hang(true);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await RunAsync(ns, ["env", wrapper.PathSetting, "dotnet", TestPaths.Agent, "run", "--once", "--iptables-backend", "nft", "--command-timeout", "1s", .. Node1], agent: false);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("sync failed: iptables-nft-save did not finish within 1 s and was killed", result.StandardError, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 20);
        Assert.Empty(wrapper.HungProcesses());
    }

    private static string[] Lines(string save) =>
        [.. save.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.StartsWith(':') ? l.Split(' ')[0] : l)];

    /// <param name="agent">False: args is the whole command line, not the agent's arguments.</param>
    private static Task<BufferedCommandResult> RunAsync(NetworkNamespace ns, string[] args, bool agent = true) =>
        Cli.Wrap("ip")
            .WithArguments(["netns", "exec", ns.Name, .. agent ? ["dotnet", TestPaths.Agent] : Array.Empty<string>(), .. args])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
}
