using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NodeProxy.Tests.Kernel;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>
/// The real agent whose iptables-restore hangs (a wrapper first on its PATH): the hung call is
/// killed at --command-timeout with everything it started, /healthz says so, the failure is
/// counted, and once restores work again the change arrives.
/// </summary>
public sealed class HungRestoreTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task AHungRestoreIsKilledAtItsDeadlineAndTheChangeArrivesOnceRestoresWork(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        using var wrapper = ToolWrapper.Create($"iptables-{backend}-restore");
        cluster.AgentEnvironment = [wrapper.PathSetting];
        cluster.Manifests.Service("web", "10.96.0.90", 80).Endpoints("web", "TCP", "10.244.1.10", "10.244.2.10");
        await cluster.StartAgentAsync(null, "--command-timeout", "2s", "--sync-period", "3s");
        Assert.Equal(200, await HealthzAsync(cluster));

        wrapper.Hang(true);
        var calls = wrapper.Attempts().Count;
        var from = cluster.Agent.LineCount;
        var clock = Stopwatch.StartNew();
        cluster.Manifests.Service("late", "10.96.0.91", 80).Endpoints("late", "TCP", "10.244.1.10");
        await cluster.Manifests.WriteAsync();

        var killed = $"iptables-{backend}-restore did not finish within 2 s and was killed";
        await cluster.Agent.WaitForLineAsync(l => l.Contains(killed, StringComparison.Ordinal), TimeSpan.FromSeconds(10), from);
        var heldFor = clock.Elapsed;
        output.WriteLine($"first hung restore killed {heldFor.TotalSeconds:F1} s after the change was written (deadline {Deadline.TotalSeconds} s)");
        Assert.True(heldFor < Deadline + TimeSpan.FromSeconds(3), $"the sync loop was held {heldFor}");
        await WaitAsync(() => wrapper.HungProcesses().Count == 0, "the hung restore's child still runs after the kill");

        // The loop goes on: it tries again, and /healthz turns 503 once the change is pending too long.
        await WaitAsync(() => wrapper.Attempts().Count >= calls + 2, "no second attempt");
        await PollHealthzAsync(cluster, 503, TimeSpan.FromSeconds(15));
        output.WriteLine($"/healthz 503 {clock.Elapsed.TotalSeconds:F1} s after the change (2 x --sync-period = 6 s)");
        var metrics = await cluster.Node1.ExecAsync("curl", "-s", "http://127.0.0.1:10249/metrics");
        Assert.True(Counter(metrics, $"nodeproxy_command_timeouts_total{{command=\"iptables-{backend}-restore\"}}") >= 1, metrics);
        Assert.True(Counter(metrics, "kubeproxy_sync_proxy_rules_iptables_restore_failures_total{ip_family=\"IPv4\"}") >= 1, metrics);
        Assert.DoesNotContain("10.96.0.91", await cluster.NatTableAsync(), StringComparison.Ordinal);
        AllAnswered(await ManyAsync(4, () => cluster.Lab.Pod("nginx-test").TcpRequestAsync(At("10.96.0.90", 80))));

        wrapper.Hang(false);
        var released = Stopwatch.StartNew();
        await WaitAsync(async () => (await cluster.NatTableAsync()).Contains("10.96.0.91", StringComparison.Ordinal), "the change never arrived", seconds: 15);
        output.WriteLine($"the change was in the kernel {released.Elapsed.TotalSeconds:F1} s after restores worked again ({wrapper.Attempts().Count} restores in all)");
        AllAnswered(await ManyAsync(4, () => cluster.Lab.Pod("nginx-test").TcpRequestAsync(At("10.96.0.91", 80))));
        await PollHealthzAsync(cluster, 200, TimeSpan.FromSeconds(10));
    }

    private static async Task<int> HealthzAsync(AgentCluster cluster) =>
        int.Parse(await cluster.Node1.ExecAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:10256/healthz"), CultureInfo.InvariantCulture);

    private static async Task PollHealthzAsync(AgentCluster cluster, int status, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (await HealthzAsync(cluster) != status)
        {
            Assert.True(clock.Elapsed < within, $"/healthz did not answer {status} within {within.TotalSeconds} s");
            await Task.Delay(200);
        }
    }

    private static Task WaitAsync(Func<bool> condition, string failure, int seconds = 10) => WaitAsync(() => Task.FromResult(condition()), failure, seconds);

    private static async Task WaitAsync(Func<Task<bool>> condition, string failure, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }

    private static double Counter(string metrics, string series)
    {
        var match = Regex.Match(metrics, "^" + Regex.Escape(series) + @" (\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
