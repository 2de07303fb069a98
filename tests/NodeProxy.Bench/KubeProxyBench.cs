using System.Diagnostics;
using NodeProxy.Apply;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <summary>
/// The baseline: the same cluster in kube-proxy's layout (<see cref="KubeProxyLayout"/>), loaded
/// and changed the way kube-proxy does it, by the same iptables-restore in a fresh namespace.
/// </summary>
internal sealed class KubeProxyBench(IptablesBackend backend, NodeModel model, int repeat, TimeSpan coldLimit, CancellationToken cancel)
{
    private readonly List<Sample> samples = [];

    public async Task<BenchRun> RunAsync()
    {
        await using var ns = await BenchNamespace.CreateAsync();
        var tables = new IptablesTool(IpFamily.V4, backend, ns.Prefix);
        var full = KubeProxyLayout.Full(model);
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            // kube-proxy's layout loads in time quadratic in its chains on iptables-nft: at 10k
            // services it runs for the better part of an hour. Past the limit the load is
            // stopped and only its lower bound is reported.
            limit.CancelAfter(coldLimit);
            var clock = Stopwatch.StartNew();
            try
            {
                await TimeAsync(Scenarios.Cold, tables, [full], limit.Token);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                samples.Add(new Sample(Scenarios.Cold, System.Text.Encoding.UTF8.GetByteCount(full), full.Count(c => c == '\n'), [clock.Elapsed]) { Unfinished = true });
                Console.Error.WriteLine($"  kube-proxy layout {backend} N={model.Services.Length}: cold load stopped unfinished after {clock.Elapsed.TotalSeconds:F0} s");
                return new BenchRun(Layouts.KubeProxy, backend.ToString().ToLowerInvariant(), model.Services.Length, samples);
            }
        }

        var current = model;
        var changes = new List<string>();
        for (var k = 0; k < repeat; k++)
        {
            var next = OneEndpointChange(current, k, repeat);
            changes.Add(KubeProxyLayout.Partial(current, next));
            current = next;
        }

        await TimeAsync(Scenarios.EndpointChange, tables, changes, cancel);
        return new BenchRun(Layouts.KubeProxy, backend.ToString().ToLowerInvariant(), model.Services.Length, samples);
    }

    /// <summary>The change every layout is measured on: one endpoint of one service moves to another port.</summary>
    public static NodeModel OneEndpointChange(NodeModel model, int k, int repeat)
    {
        // Spread over the whole list, so no one cached neighbourhood is measured.
        var index = (int)((k * 2L + 1) * model.Services.Length / (2L * repeat)) % model.Services.Length;
        return SyntheticModel.Replace(model, index, p => p with
        {
            ClusterEndpoints = p.ClusterEndpoints.SetItem(3, p.ClusterEndpoints[3] with { Port = p.ClusterEndpoints[3].Port + 1 }),
        });
    }

    private async Task TimeAsync(string scenario, IptablesTool tables, IReadOnlyList<string> batches, CancellationToken token)
    {
        var times = new List<TimeSpan>();
        foreach (var batch in batches)
        {
            var clock = Stopwatch.StartNew();
            await tables.RestoreAsync(batch, token);
            times.Add(clock.Elapsed);
        }

        var sample = new Sample(scenario, batches.Max(b => (long)System.Text.Encoding.UTF8.GetByteCount(b)), batches.Max(b => b.Count(c => c == '\n')), times);
        samples.Add(sample);
        Console.Error.WriteLine($"  kube-proxy layout {backend} N={model.Services.Length}: {scenario}: {sample.Bytes} bytes, median {sample.Median.TotalMilliseconds:F1} ms");
    }
}
