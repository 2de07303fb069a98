using System.Text.Json;
using CliWrap;
using NodeProxy.Tests.Kernel;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Operate;

/// <summary>
/// A real Prometheus (Debian's package) scrapes the real agent, both inside a namespace the test
/// made; the test asks Prometheus, through its HTTP API, for kube-proxy's sync metrics.
/// </summary>
public sealed class PrometheusScrapeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> processes = [];
    private readonly string folder = Directory.CreateTempSubdirectory("nodeproxy-prometheus-").FullName;
    private NetworkNamespace ns = null!;

    public async Task InitializeAsync()
    {
        ns = await NetworkNamespace.CreateAsync();
        await ns.RunAsync("ip", ["link", "set", "lo", "up"]);
    }

    public async Task DisposeAsync()
    {
        stop.Cancel();
        foreach (var process in processes)
        {
            await process.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await ns.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task PrometheusScrapesKubeProxysSyncMetricsAndHealthAnswers()
    {
        Start("dotnet", TestPaths.Agent, "run", "--source", TestPaths.Examples + "/nginx", "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16",
            "--metrics-bind-address", "127.0.0.1:10249", "--healthz-bind-address", "127.0.0.1:10256");
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: nodeproxy
                static_configs:
                  - targets: ["127.0.0.1:10249"]
            """);
        Start("prometheus", $"--config.file={config}", $"--storage.tsdb.path={folder}/data", "--web.listen-address=127.0.0.1:9090");

        var up = await QueryAsync("up{job=\"nodeproxy\"}", r => r.Any(v => v.Value == "1"));
        var lastSync = await QueryAsync("kubeproxy_sync_proxy_rules_last_timestamp_seconds", r => r.Any(v => v.Labels.GetValueOrDefault("ip_family") == "IPv4"));
        var syncs = await QueryAsync("kubeproxy_sync_proxy_rules_duration_seconds_count", r => r.Any(v => double.Parse(v.Value, System.Globalization.CultureInfo.InvariantCulture) >= 1));
        var rules = await QueryAsync("kubeproxy_sync_proxy_rules_iptables_total{table=\"nat\",ip_family=\"IPv4\"}", r => r.Count == 1);
        var bytes = await QueryAsync("nodeproxy_sync_bytes_written_total{ip_family=\"IPv4\"}", r => r.Count == 1);

        Assert.InRange(double.Parse(lastSync.First(v => v.Labels["ip_family"] == "IPv4").Value, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.True(double.Parse(rules[0].Value, System.Globalization.CultureInfo.InvariantCulture) > 10, $"nat rules: {rules[0].Value}");
        Assert.True(double.Parse(bytes[0].Value, System.Globalization.CultureInfo.InvariantCulture) > 1000, $"bytes written: {bytes[0].Value}");
        Assert.NotEmpty(up);
        Assert.NotEmpty(syncs);

        var healthz = await ns.RunAsync("curl", ["-s", "-i", "http://127.0.0.1:10256/healthz"]);
        Assert.StartsWith("HTTP/1.1 200", healthz, StringComparison.Ordinal);
        Assert.Contains("\"healthy\":true", healthz, StringComparison.Ordinal);
        Assert.Contains("\"nodeEligible\":true", healthz, StringComparison.Ordinal);
        Assert.Contains("X-Content-Type-Options: nosniff", healthz, StringComparison.Ordinal);
    }

    private void Start(string program, params string[] args) =>
        processes.Add(Cli.Wrap("ip").WithArguments(["netns", "exec", ns.Name, program, .. args])
            .WithStandardErrorPipe(PipeTarget.ToDelegate(TestLog.To(output)))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(TestLog.To(output)))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(stop.Token).Task);

    private sealed record Sample(Dictionary<string, string> Labels, string Value);

    /// <summary>Asks Prometheus until the answer satisfies <paramref name="done"/> (scrapes take a few seconds to land).</summary>
    private async Task<List<Sample>> QueryAsync(string query, Func<List<Sample>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var answer = "";
        while (DateTime.UtcNow < deadline)
        {
            answer = await ns.RunAsync("curl", ["-s", "--get", "--data-urlencode", $"query={query}", "http://127.0.0.1:9090/api/v1/query"]).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "", TaskScheduler.Default);
            // Until its storage is ready Prometheus answers in plain text.
            if (answer.StartsWith('{'))
            {
                using var json = JsonDocument.Parse(answer);
                var samples = json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                    .Select(r => new Sample(
                        r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
                        r.GetProperty("value")[1].GetString() ?? ""))
                    .ToList();
                if (done(samples))
                {
                    return samples;
                }
            }

            await Task.Delay(500);
        }

        throw new Xunit.Sdk.XunitException($"Prometheus never answered {query} as expected; last answer: {answer}");
    }
}
