using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NodeProxy.Tests.Deploy;
using NodeProxy.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Operate;

/// <summary>
/// The Grafana dashboard in docs/grafana asks only for metrics the agent exports: every query's
/// metric names are found among the families a real agent's /metrics lists after its first sync,
/// scraped inside the node's namespace (histograms counted with their _bucket, _sum and _count).
/// </summary>
public sealed partial class DashboardTests(ITestOutputHelper output)
{
    private static string Dashboard => Path.Combine(DeployFiles.RepoRoot, "docs", "grafana", "nodeproxy-dashboard.json");

    [Fact]
    public async Task EveryQueryNamesAMetricTheAgentExports()
    {
        var queries = Queries(JsonNode.Parse(await File.ReadAllTextAsync(Dashboard))!).ToList();
        Assert.NotEmpty(queries);

        await using var cluster = await AgentCluster.CreateAsync("nft", output);
        await cluster.StartAgentAsync(TestPaths.Examples + "/nginx");
        var exported = Families(await cluster.Node1.ExecAsync("curl", "-s", "http://127.0.0.1:10249/metrics"));

        foreach (var query in queries)
        {
            var names = MetricName().Matches(query).Select(m => m.Value).ToList();
            Assert.True(names.Count > 0, $"no metric the test can check in: {query}");
            Assert.All(names, name => Assert.True(exported.Contains(name), $"{name} (in {query}) is not exported"));
        }

        // kube-proxy's panels work on kube-proxy's names.
        foreach (var panel in new[] { "kubeproxy_sync_proxy_rules_duration_seconds_bucket", "kubeproxy_network_programming_duration_seconds_bucket",
                     "kubeproxy_sync_proxy_rules_iptables_restore_failures_total", "kubeproxy_sync_proxy_rules_iptables_total", "kubeproxy_sync_proxy_rules_last_timestamp_seconds" })
        {
            Assert.Contains(queries, q => q.Contains(panel, StringComparison.Ordinal));
        }
    }

    /// <summary>Every PromQL expression of every panel (rows' nested panels too) and template variable.</summary>
    private static IEnumerable<string> Queries(JsonNode dashboard)
    {
        var panels = dashboard["panels"]!.AsArray().SelectMany(p => (p!["panels"]?.AsArray() ?? []).Append(p));
        var expressions = panels.SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => (string)t!["expr"]!);
        var variables = dashboard["templating"]!["list"]!.AsArray().Where(v => (string?)v!["type"] == "query").Select(v => (string)v!["query"]!);
        return expressions.Concat(variables);
    }

    /// <summary>The sample names a scrape can hold, from its "# TYPE name kind" lines.</summary>
    private static HashSet<string> Families(string metrics)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in metrics.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ');
            var (name, kind) = (parts[2], parts[3].Trim());
            names.Add(name);
            string[] suffixes = kind switch { "histogram" => ["_bucket", "_sum", "_count"], "summary" => ["_sum", "_count"], _ => [] };
            names.UnionWith(suffixes.Select(s => name + s));
        }

        Assert.Contains("kubeproxy_sync_proxy_rules_duration_seconds_bucket", names);
        return names;
    }

    [GeneratedRegex(@"\b(?:kubeproxy|nodeproxy|process|dotnet)_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
