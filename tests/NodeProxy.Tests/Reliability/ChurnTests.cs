using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using NodeProxy.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;
using ApiObjects = NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Reliability;

/// <summary>
/// 1,000 API events on other Services (EndpointSlice changes, Services added and deleted) while a
/// pod connects to a stable Service back to back: not one connection fails, and the last change
/// reaches the kernel.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ChurnTests(ITestOutputHelper output)
{
    private const int Events = 1000;
    private const int Others = 20;

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task AThousandChurnEventsCostAStableServiceNoConnection(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        var (api, kubeconfig) = await ApiDrivenTests.StartApiAsync(cluster);
        await using var stopApi = api;
        api.Apply(ApiObjects.Node("node-1", "192.168.56.11"));
        api.Apply(Serving(ApiObjects.Service("web", 90)));
        api.Apply(Serving(ApiObjects.Slice("web", "10.244.1.10", "10.244.2.10")));
        for (var i = 0; i < Others; i++)
        {
            api.Apply(ApiObjects.Service($"other-{i}", 100 + i));
            api.Apply(ApiObjects.Slice($"other-{i}", "10.244.1.10"));
        }

        var agent = await cluster.Lab.StartAgentAsync(cluster.Node1,
            ["run", "--kubeconfig", kubeconfig, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16", "--iptables-backend", backend]);
        await using var stopAgent = agent;
        await agent.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var pod = cluster.Lab.Pod("nginx-test");
        AllAnswered(await ManyAsync(2, () => pod.TcpRequestAsync(At("10.96.0.91", 80))));

        var from = agent.LineCount;
        var clock = Stopwatch.StartNew();
        await using var traffic = new Background(() => pod.TcpRequestAsync(At("10.96.0.91", 80)));
        using var stopSampling = new CancellationTokenSource();
        var maxPending = SampleMaxPendingAsync(cluster, stopSampling.Token);
        for (var i = 0; i < Events; i++)
        {
            var n = i % Others;
            switch (i % 10)
            {
                case 8:
                    api.Apply(ApiObjects.Service($"extra-{i}", 200 + (i / 10)));
                    break;
                case 9:
                    api.Delete<V1Service>("default", $"extra-{i - 1}");
                    break;
                default:
                    api.Apply(ApiObjects.Slice($"other-{n}", i % 2 == 0 ? "10.244.2.10" : "10.244.1.10", $"10.244.3.{10 + (i % 3)}"));
                    break;
            }

            // Spread over a few seconds, so that several syncs land while traffic runs.
            if (i % 4 == 0)
            {
                await Task.Delay(10);
            }
        }

        // The last event's effect reaches the kernel: a marker Service applied after all of them
        // (without endpoints, so a REJECT in filter).
        api.Apply(ApiObjects.Service("marker", 600));
        await Poll.UntilAsync(() => cluster.Node1.ExecAsync($"iptables-{backend}-save").Result.Contains("10.96.2.101/32", StringComparison.Ordinal), agent.ExitCode, seconds: 20);
        var settled = clock.Elapsed;
        await stopSampling.CancelAsync();
        var pending = await maxPending;
        var replies = await traffic.StopAsync();
        var syncs = agent.Lines.Skip(from).Count(l => l.Contains("synced", StringComparison.Ordinal));
        var failed = replies.Count(r => r.Outcome != NodeProxy.Lab.ReplyOutcome.Answered);
        output.WriteLine($"reliability: churn {backend}: {Events} events, {replies.Count} connections, {failed} failed, {syncs} syncs, max pending {pending} objects, settled {settled.TotalSeconds:F1} s");

        AllAnswered(replies);
        Assert.True(replies.Count > 20, $"only {replies.Count} connections ran during the churn");
        // Every Service the churn added, it also deleted: none is left in any table (without
        // endpoints, each had only its REJECT in filter).
        Assert.DoesNotContain("default/extra-", await cluster.Node1.ExecAsync($"iptables-{backend}-save"), StringComparison.Ordinal);
        Assert.False(agent.HasExited, agent.Tail());
    }

    internal static T Serving<T>(T obj) where T : class
    {
        // The lab's pods serve port 80.
        switch (obj)
        {
            case V1Service service:
                service.Spec.Ports[0].TargetPort = 80;
                break;
            case V1EndpointSlice slice:
                slice.Ports[0].Port = 80;
                break;
        }

        return obj;
    }

    /// <summary>The highest count of pending Services plus EndpointSlices the agent reported while sampled.</summary>
    private static async Task<int> SampleMaxPendingAsync(AgentCluster cluster, CancellationToken stop)
    {
        var max = 0;
        while (!stop.IsCancellationRequested)
        {
            var metrics = await cluster.Node1.ExecAsync("curl", "-s", "http://127.0.0.1:10249/metrics");
            max = Math.Max(max, (int)(Gauge(metrics, "kubeproxy_sync_proxy_rules_endpoint_changes_pending") + Gauge(metrics, "kubeproxy_sync_proxy_rules_service_changes_pending")));
            await Task.Delay(100, CancellationToken.None);
        }

        return max;
    }

    private static double Gauge(string metrics, string name)
    {
        var match = Regex.Match(metrics, "^" + Regex.Escape(name) + @" (\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
