using NodeProxy.Lab;
using NodeProxy.Tests.Kernel;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Image;

/// <summary>
/// What the DaemonSet's securityContext allows, tried with the image itself: each capability it
/// adds is one the agent cannot work without, and what it does not grant (writing sysctls) has a
/// documented way around it.
/// </summary>
[Collection(ImageCollection.Name)]
public sealed class LeastPrivilegeTests(AgentImage image, ITestOutputHelper output)
{
    [Theory]
    [InlineData("nft", new[] { "NET_ADMIN", "NET_RAW" }, true)]
    [InlineData("legacy", new[] { "NET_ADMIN", "NET_RAW" }, true)]
    [InlineData("nft", new[] { "NET_ADMIN" }, true)]
    // iptables-legacy talks to the kernel through a raw socket.
    [InlineData("legacy", new[] { "NET_ADMIN" }, false)]
    [InlineData("nft", new[] { "NET_RAW" }, false)]
    [InlineData("legacy", new string[0], false)]
    public async Task TheAgentProgramsTheRulesOnlyWithTheCapabilitiesItIsGiven(string backend, string[] capabilities, bool works)
    {
        await using var netns = await NetworkNamespace.CreateAsync();

        var run = await RunOnceAsync(netns, capabilities, "--iptables-backend", backend);

        Assert.True((run.ExitCode == 0) == works, run.Output);
        var rules = await netns.RunAsync("iptables-" + backend + "-save", ["-t", "nat"]);
        Assert.Equal(works, rules.Contains("10.96.0.88", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConntrackDeletesEntriesWithNetAdmin()
    {
        await using var netns = await NetworkNamespace.CreateAsync();
        string[] entry = ["-p", "udp", "--orig-src", "10.244.1.20", "--orig-dst", "10.96.0.10", "--sport", "40000", "--dport", "53", "--timeout", "120"];
        await netns.RunAsync("conntrack", ["-I", .. entry]);

        // The deletion the agent makes when a UDP endpoint goes, with the image's conntrack.
        var denied = await RunAsync(netns, [], ["--entrypoint", "conntrack"], "-D", "-p", "udp", "--orig-dst", "10.96.0.10");
        Assert.Contains("10.96.0.10", await netns.RunAsync("conntrack", ["-L", "-p", "udp"]));
        var deleted = await RunAsync(netns, DaemonSetContainer.Capabilities, ["--entrypoint", "conntrack"], "-D", "-p", "udp", "--orig-dst", "10.96.0.10");

        Assert.NotEqual(0, denied.ExitCode);
        Assert.True(deleted.ExitCode == 0, deleted.Output);
        Assert.DoesNotContain("10.96.0.10", await netns.RunAsync("conntrack", ["-L", "-p", "udp"]));
    }

    [Fact]
    public async Task LocalhostNodePortsNeedRouteLocalnetSetOnTheNode()
    {
        await using var netns = await NetworkNamespace.CreateAsync();

        // /proc/sys is read-only in a container that is not privileged: the agent says so, and
        // syncs on without the sysctl.
        var alone = await RunOnceAsync(netns, DaemonSetContainer.Capabilities, "--localhost-nodeports");
        Assert.Contains("cannot set route_localnet", alone.Output);
        Assert.Equal("0", (await netns.RunAsync("sysctl", ["-n", "net.ipv4.conf.all.route_localnet"])).Trim());

        // What the README tells operators: set it on the node, and the agent has nothing to write.
        await netns.RunAsync("sysctl", ["-q", "-w", "net.ipv4.conf.all.route_localnet=1"]);
        var withNode = await RunOnceAsync(netns, DaemonSetContainer.Capabilities, "--localhost-nodeports");

        Assert.True(withNode.ExitCode == 0, withNode.Output);
        Assert.DoesNotContain("route_localnet", withNode.Output);
    }

    /// <summary>One sync of the example cluster, as `run --once`, in the namespace.</summary>
    private Task<ExecResult> RunOnceAsync(NetworkNamespace netns, string[] capabilities, params string[] flags) =>
        RunAsync(netns, capabilities, ["--volume", $"{TestPaths.Examples}/nginx:/examples:ro"],
            ["run", "--once", "--source", "/examples", "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16", .. flags]);

    /// <summary>The image in the namespace under the DaemonSet's securityContext but for the capabilities; waits for it to end.</summary>
    private async Task<ExecResult> RunAsync(NetworkNamespace netns, string[] capabilities, string[] options, params string[] args)
    {
        var name = $"nodeproxy-test-{Guid.NewGuid():N}"[..30];
        try
        {
            var result = await Podman.TryAsync(["run", "--name", name, .. Podman.Limits, "--network", $"ns:/var/run/netns/{netns.Name}",
                .. DaemonSetContainer.Security(capabilities), .. DaemonSetContainer.XtablesLock, .. options, image.Tag, .. args]);
            output.WriteLine($"[{string.Join(',', capabilities)}] {string.Join(' ', args)} -> {result.ExitCode}\n{result.Output}");
            return result;
        }
        finally
        {
            await Podman.RemoveAsync(name);
        }
    }
}
