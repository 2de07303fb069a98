using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <summary>
/// <c>scale</c> and its options; every list is comma-separated. See docs/benchmarks.md for a run.
/// </summary>
internal sealed record BenchOptions(
    IReadOnlyList<int> Services,
    int BaselineMax,
    TimeSpan BaselineLimit,
    IReadOnlyList<string> Backends,
    IReadOnlyList<int> FirstPacket,
    int Connections,
    int Repeat,
    IReadOnlyList<int> Rss,
    string RssFrom,
    IReadOnlyList<int> Latency,
    IReadOnlyList<int> LatencyRates,
    string Out)
{
    /// <summary>The benchmark's clusters: every 3rd service a NodePort, every 50th ClientIP affinity, every 10th eTP Local.</summary>
    public static readonly ClusterMix Mix = new(NodePortEvery: 3, AffinityEvery: 50, LocalEvery: 10);

    public const string Usage = """
        usage: nodeproxy-bench scale [--services 1000,10000,30000] [--baseline-max 10000] [--baseline-limit 600] [--backends nft,legacy]
                                     [--first-packet 10,10000] [--connections 2000] [--repeat 3]
                                     [--rss 10000] [--rss-from api|manifests] [--latency 1000,10000] [--latency-rates 100]
                                     [--out docs/benchmarks/results.md]
        (an empty list, e.g. --rss "", skips that part)
        (scale also writes the figures as results.json beside --out, and the plots as PNGs in its folder)
               nodeproxy-bench plot [--in docs/benchmarks/results.json] [--out docs/benchmarks]
               nodeproxy-bench coldprofile 10000   (a first sync's in-process stages, timed)
               (NODEPROXY_BENCH_AGENT_LOG=FILE: the agents --rss runs log with --verbose into FILE, each line after ms since start)
               nodeproxy-bench inprocess [--out docs/benchmarks/inprocess.md] [BenchmarkDotNet arguments, e.g. --filter '*Change*']
        """;

    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] != "scale")
        {
            throw new ArgumentException(Usage);
        }

        var options = new BenchOptions([1_000, 10_000, 30_000], 10_000, TimeSpan.FromSeconds(600), ["nft", "legacy"], [10, 10_000], 2_000, 3, [10_000], AgentRssBench.FromApi, [1_000, 10_000], [100], "docs/benchmarks/results.md");
        for (var i = 1; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value\n{Usage}");
            options = args[i] switch
            {
                "--services" => options with { Services = Numbers(value) },
                "--baseline-max" => options with { BaselineMax = int.Parse(value) },
                "--baseline-limit" => options with { BaselineLimit = TimeSpan.FromSeconds(int.Parse(value)) },
                "--backends" => options with { Backends = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries)] },
                "--first-packet" => options with { FirstPacket = Numbers(value) },
                "--connections" => options with { Connections = int.Parse(value) },
                "--repeat" => options with { Repeat = int.Parse(value) },
                "--rss" => options with { Rss = Numbers(value) },
                "--rss-from" => options with { RssFrom = value },
                "--latency" => options with { Latency = Numbers(value) },
                "--latency-rates" => options with { LatencyRates = Numbers(value) },
                "--out" => options with { Out = value },
                _ => throw new ArgumentException($"unknown option {args[i]}\n{Usage}"),
            };
        }

        return options.Repeat >= 1 && options.Services.Concat(options.FirstPacket).All(n => n >= 10) && options.Backends.All(b => b is "nft" or "legacy")
            && options.RssFrom is AgentRssBench.FromApi or AgentRssBench.FromManifests && options.LatencyRates.All(r => r >= 1)
            ? options
            : throw new ArgumentException($"--repeat must be at least 1, every service count at least 10, backends nft or legacy, --rss-from api or manifests, every latency rate at least 1 change/s\n{Usage}");
    }

    private static IReadOnlyList<int> Numbers(string value) => [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
}
