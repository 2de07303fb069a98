using System.Net;
using NodeProxy.Apply;
using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Rendering;
using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <summary>Connect times to the service each layout dispatches last, one layout, backend and size.</summary>
internal sealed record FirstPacketResult(string Layout, string Backend, int Services, IPEndPoint Target, ConnectTimes Times);

/// <summary>
/// Loads each layout at each size and times connects to the service its dispatch reaches last:
/// kube-proxy's KUBE-SERVICES is one rule per service, so that is its last rule; NodeProxy's is
/// the last service of the highest bucket. kube-proxy's layout is loaded on iptables-legacy only:
/// on iptables-nft its 10k load takes many minutes (see the cold load rows).
/// </summary>
internal static class FirstPacketRun
{
    public static async Task<List<FirstPacketResult>> RunAsync(BenchOptions options, CancellationToken cancel)
    {
        var results = new List<FirstPacketResult>();
        foreach (var backend in options.Backends)
        {
            var iptables = backend == "nft" ? IptablesBackend.Nft : IptablesBackend.Legacy;
            foreach (var services in options.FirstPacket)
            {
                var model = SyntheticModel.Create(services, mix: BenchOptions.Mix);
                var text = Differ.Diff(KernelTables.Empty, Renderer.Render(model), stagingLimit: iptables == IptablesBackend.Nft ? IptablesTool.DefaultNftStagingLimit : null).Text;
                results.Add(await MeasureAsync(Layouts.NodeProxy, iptables, services, text, LastDispatched(model), options.Connections, cancel));
                if (iptables == IptablesBackend.Legacy)
                {
                    var (address, port) = KubeProxyLayout.LastDispatched(model);
                    results.Add(await MeasureAsync(Layouts.KubeProxy, iptables, services, KubeProxyLayout.Full(model), new IPEndPoint(address, port), options.Connections, cancel));
                }
            }
        }

        return results;
    }

    /// <summary>NodeProxy's longest dispatch walk: the highest bucket (last byte), then the last service in it.</summary>
    public static IPEndPoint LastDispatched(NodeModel model)
    {
        var port = model.Services
            .Select((p, i) => (Port: p, Index: i))
            .Where(p => p.Port.HasEndpoints && p.Port.AffinitySeconds is null)
            .OrderBy(p => Dispatch.Bucket(p.Port.ClusterIP))
            .ThenBy(p => p.Index)
            .Last().Port;
        return new IPEndPoint(port.ClusterIP, port.Port);
    }

    private static async Task<FirstPacketResult> MeasureAsync(string layout, IptablesBackend backend, int services, string text, IPEndPoint target, int connections, CancellationToken cancel)
    {
        var times = await FirstPacketBench.MeasureAsync(backend, text, target, connections, cancel);
        var name = backend.ToString().ToLowerInvariant();
        Console.Error.WriteLine($"  first packet {layout} {name} N={services} -> {target}: median {times.Median.TotalMicroseconds:F0} us, p99 {times.P99.TotalMicroseconds:F0} us");
        return new FirstPacketResult(layout, name, services, target, times);
    }
}
