using System.Net;
using NodeProxy.Apply;
using NodeProxy.Conntrack;
using NodeProxy.Net;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Conntrack;

/// <summary>The real conntrack tool against a namespace's own table.</summary>
public sealed class ConntrackToolTests
{
    [Fact]
    public async Task DeletesOnlyTheFlowsAnsweredByTheGoneEndpoint()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        // Two clients of 10.96.0.10:53, DNATed to two endpoints, as the kernel would track them.
        await Insert(ns, "10.0.0.1", 40001, "10.244.1.5");
        await Insert(ns, "10.0.0.2", 40002, "10.244.2.5");
        var tool = new ConntrackTool(["ip", "netns", "exec", ns.Name]);

        var deleted = await tool.DeleteAsync(new StaleFlow(IpFamily.V4, Protocol.Udp, IPAddress.Parse("10.96.0.10"), 53, IPAddress.Parse("10.244.1.5")));
        var again = await tool.DeleteAsync(new StaleFlow(IpFamily.V4, Protocol.Udp, IPAddress.Parse("10.96.0.10"), 53, IPAddress.Parse("10.244.1.5")));

        Assert.Equal(1, deleted);
        Assert.Equal(0, again);
        var left = await ns.RunAsync("conntrack", ["-L", "-p", "udp"]);
        Assert.DoesNotContain("10.244.1.5", left, StringComparison.Ordinal);
        Assert.Contains("10.244.2.5", left, StringComparison.Ordinal);
    }

    private static Task<string> Insert(NetworkNamespace ns, string client, int clientPort, string endpoint) =>
        ns.RunAsync("conntrack", ["-I", "-p", "udp", "-s", client, "-d", "10.96.0.10", "--sport", $"{clientPort}", "--dport", "53",
            "-r", endpoint, "-q", client, "--reply-port-src", "53", "--reply-port-dst", $"{clientPort}", "-t", "60"]);
}
