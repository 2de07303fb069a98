using System.Diagnostics;
using System.Net;
using NodeProxy.Apply;
using NodeProxy.Conntrack;
using NodeProxy.Net;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Conntrack;

/// <summary>The real conntrack tool against a namespace's own table.</summary>
public sealed class ConntrackToolTests(Xunit.Abstractions.ITestOutputHelper output)
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

    /// <summary>
    /// 1,000 stale flows over 100 services x 10 removed endpoints (1,000 distinct filters, the
    /// worst case): one listing and one batch of 10 filters find and delete them all, and nothing
    /// else; the per-pair deletion it replaces is timed beside it (figures in docs/benchmarks.md).
    /// </summary>
    [Fact]
    public async Task AThousandStaleFlowsAreListedAndDeletedInTwoProcesses()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var tool = new ConntrackTool(["ip", "netns", "exec", ns.Name]);
        await InsertStale(ns);
        var model = new NodeProxy.Model.NodeModel(IpFamily.V4, "node-1", 0x1000)
        {
            Services = [.. Enumerable.Range(0, 100).Select(s => new NodeProxy.Model.ServicePort(new("default", $"svc{s}", "dns"), Protocol.Udp, IPAddress.Parse($"10.96.1.{s}"), 53)
            {
                ServingEndpoints = [new NodeProxy.Model.Endpoint(IPAddress.Parse("10.244.3.3"), 53, "node-3", false)],
                HasEndpoints = true,
            })],
        };

        var clock = Stopwatch.StartNew();
        var entries = await tool.ListAsync(IpFamily.V4, Protocol.Udp);
        var stale = ConntrackReconciler.Stale(model, entries);
        var cover = ConntrackReconciler.Cover(IpFamily.V4, entries, stale);
        var deleted = await tool.DeleteAllAsync([.. cover]);
        var batched = clock.Elapsed;

        Assert.Equal(1001, entries.Count);
        Assert.Equal((1000, 10, 1000), (stale.Count, cover.Count, deleted));
        var left = await ns.RunAsync("conntrack", ["-L", "-p", "udp"]);
        Assert.Contains("src=10.244.3.3", left, StringComparison.Ordinal);
        Assert.Single(ConntrackEntry.Parse(left));

        await InsertStale(ns, live: false);
        clock.Restart();
        foreach (var flow in stale)
        {
            await tool.DeleteAsync(flow);
        }

        output.WriteLine($"1,000 stale flows: list + batch delete {batched.TotalMilliseconds:F0} ms in 2 processes ({cover.Count} filters); one process per (service, endpoint) {clock.Elapsed.TotalMilliseconds:F0} ms in 1,000");
    }

    /// <summary>A live flow to 10.244.3.3, and 1,000 to the 10 removed endpoints of 100 services, in one conntrack -R batch.</summary>
    private static Task<string> InsertStale(NetworkNamespace ns, bool live = true)
    {
        var lines = live ? new List<string> { InsertLine("10.0.0.1", 30000, "10.96.1.0", "10.244.3.3") } : [];
        for (var i = 0; i < 1000; i++)
        {
            lines.Add(InsertLine($"10.0.{1 + (i / 200)}.{1 + (i % 200)}", 40000 + i, $"10.96.1.{i % 100}", $"10.244.2.{i / 100}"));
        }

        return ns.RunAsync("conntrack", ["-R", "/dev/stdin"], string.Join('\n', lines) + "\n");
    }

    private static string InsertLine(string client, int clientPort, string service, string endpoint) =>
        $"-I -p udp -s {client} -d {service} --sport {clientPort} --dport 53 -r {endpoint} -q {client} --reply-port-src 53 --reply-port-dst {clientPort} -t 120";

    private static Task<string> Insert(NetworkNamespace ns, string client, int clientPort, string endpoint) =>
        ns.RunAsync("conntrack", ["-I", "-p", "udp", "-s", client, "-d", "10.96.0.10", "--sport", $"{clientPort}", "--dport", "53",
            "-r", endpoint, "-q", client, "--reply-port-src", "53", "--reply-port-dst", $"{clientPort}", "-t", "60"]);
}
