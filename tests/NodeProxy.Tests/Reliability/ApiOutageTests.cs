using System.Diagnostics;
using k8s.Models;
using NodeProxy.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;
using static NodeProxy.Tests.Reliability.ChurnTests;
using ApiObjects = NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Reliability;

/// <summary>
/// The API server gone for a long time while a pod connects to an existing Service back to back:
/// not one connection fails, the rules stay exactly as they were, /livez stays 200, /healthz turns
/// 503 after --api-stale-after and back to 200 once the server returns, and what changed meanwhile
/// reaches the kernel within seconds.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ApiOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(10);

    // Scheduling slack on a loaded 2-core machine for the health checks' timing.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    /// <summary>How far the agent's staleness clock may run ahead of this test's outage clock.</summary>
    private static readonly TimeSpan ClockStart = TimeSpan.FromMilliseconds(250);

    /// <param name="outageSeconds">60 s as the issue asks on nft; legacy gets a shorter one, still past --api-stale-after, to keep the suite's wall time down.</param>
    [Theory]
    [InlineData("nft", 60)]
    [InlineData("legacy", 15)]
    public async Task ALongApiOutageCostsNoConnectionLeavesTheRulesAloneAndIsCaughtUpWithinSeconds(string backend, int outageSeconds)
    {
        var outage = TimeSpan.FromSeconds(outageSeconds);
        await using var cluster = await CreateAsync(backend, output);
        var (api, kubeconfig) = await ApiDrivenTests.StartApiAsync(cluster);
        await using var stopApi = api;
        api.Apply(ApiObjects.Node("node-1", "192.168.56.11"));
        api.Apply(Serving(ApiObjects.Service("web", 90)));
        api.Apply(Serving(ApiObjects.Slice("web", "10.244.1.10", "10.244.2.10")));
        api.Apply(ApiObjects.Service("doomed", 94));

        var agent = await cluster.Lab.StartAgentAsync(cluster.Node1,
            ["run", "--kubeconfig", kubeconfig, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16", "--iptables-backend", backend,
             "--api-stale-after", $"{StaleAfter.TotalSeconds}s"]);
        await using var stopAgent = agent;
        await agent.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var pod = cluster.Lab.Pod("nginx-test");
        AllAnswered(await ManyAsync(2, () => pod.TcpRequestAsync(At("10.96.0.91", 80))));
        // Service(name, index) has the cluster IP 10.96.0.(index + 1).
        Assert.Contains("10.96.0.95/32", await cluster.Node1.ExecAsync($"iptables-{backend}-save"), StringComparison.Ordinal);
        var rules = await KernelRules.OwnedAsync(cluster);

        await using var traffic = new Background(() => pod.TcpRequestAsync(At("10.96.0.91", 80)));
        using var stopHealth = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var health = SampleHealthAsync(cluster, clock, stopHealth.Token);

        api.SetAvailable(false);
        api.DisconnectWatches();
        api.Apply(ApiObjects.Service("born", 93));
        api.Delete<V1Service>("default", "doomed");
        while (clock.Elapsed < outage)
        {
            Assert.Equal(rules, await KernelRules.OwnedAsync(cluster));
            await Task.Delay(1000);
        }

        var back = Stopwatch.StartNew();
        api.SetAvailable(true);
        TimeSpan? caughtUp = null;
        await Poll.UntilAsync(() =>
        {
            var save = cluster.Node1.ExecAsync($"iptables-{backend}-save").Result;
            var done = save.Contains("10.96.0.94/32", StringComparison.Ordinal) && !save.Contains("10.96.0.95/32", StringComparison.Ordinal);
            caughtUp ??= done ? back.Elapsed : null;
            return done;
        }, agent.ExitCode, seconds: 30);
        await Poll.UntilAsync(() => health.IsCompleted || LastHealthz == "200", agent.ExitCode, seconds: 30);
        var healthyAgain = back.Elapsed;
        await stopHealth.CancelAsync();
        var samples = await health;
        var replies = await traffic.StopAsync();
        var failed = replies.Count(r => r.Outcome != NodeProxy.Lab.ReplyOutcome.Answered);
        var first503 = samples.FirstOrDefault(s => s.Healthz == "503")?.At ?? TimeSpan.MaxValue;
        output.WriteLine($"reliability: api-outage {backend}: {outage.TotalSeconds:F0} s outage, {replies.Count} connections, {failed} failed, rules unchanged throughout, " +
            $"/livez 200 in {samples.Count(s => s.Livez == "200")} of {samples.Count} samples, /healthz 503 {first503.TotalSeconds:F1} s in (--api-stale-after {StaleAfter.TotalSeconds} s), " +
            $"200 again {healthyAgain.TotalSeconds:F1} s after the server returned, changes made during the outage in the kernel {caughtUp!.Value.TotalSeconds:F1} s after it returned");

        AllAnswered(replies);
        Assert.True(replies.Count > 20, $"only {replies.Count} connections ran during the outage");
        Assert.All(samples, s => Assert.Equal("200", s.Livez));
        // The agent counts staleness from its last contact with the server, a moment before this
        // test's clock starts the outage (9.997 s was seen for 10): not before, less that moment.
        Assert.InRange(first503, StaleAfter - ClockStart, StaleAfter + Slack);
        Assert.All(samples.Where(s => s.At < StaleAfter - ClockStart), s => Assert.Equal("200", s.Healthz));
        Assert.InRange(caughtUp.Value, TimeSpan.Zero, TimeSpan.FromSeconds(8));
        Assert.False(agent.HasExited, agent.Tail());
    }

    private volatile string lastHealthz = "";

    private string LastHealthz => lastHealthz;

    private sealed record HealthSample(TimeSpan At, string Livez, string Healthz);

    /// <summary>/livez and /healthz status codes, about twice a second, until stopped.</summary>
    private async Task<List<HealthSample>> SampleHealthAsync(AgentCluster cluster, Stopwatch clock, CancellationToken stop)
    {
        var samples = new List<HealthSample>();
        while (!stop.IsCancellationRequested)
        {
            var at = clock.Elapsed;
            var livez = await StatusAsync(cluster, "/livez");
            var healthz = await StatusAsync(cluster, "/healthz");
            lastHealthz = healthz;
            samples.Add(new HealthSample(at, livez, healthz));
            await Task.Delay(500, CancellationToken.None);
        }

        return samples;
    }

    /// <returns>The HTTP status code, or "000" when no answer came within 2 s.</returns>
    private static async Task<string> StatusAsync(AgentCluster cluster, string path) =>
        (await cluster.Node1.TryExecAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2", $"http://127.0.0.1:10256{path}")).StandardOutput.Trim();
}
