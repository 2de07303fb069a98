using System.Diagnostics;
using System.Text;
using k8s;
using k8s.Models;
using NodeProxy.Apply;
using NodeProxy.Cluster;
using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Sources;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <summary>
/// `coldprofile N`: the in-process stages of a first sync at N services, timed one by one, four
/// rounds (the first pays the JIT): decoding the lists, filling the stores, the model, the render,
/// the diff and writing the batch's bytes, with the GC's pauses. Where a cold start's CPU goes,
/// without the kernel or the API server.
/// </summary>
internal static class ColdProfile
{
    public static async Task<int> RunAsync(int services)
    {
        var serviceJson = Encoding.UTF8.GetBytes(ListJson("ServiceList", Enumerable.Range(0, services).Select(i => (object)SyntheticCluster.Service(i))));
        var sliceJson = Encoding.UTF8.GetBytes(ListJson("EndpointSliceList", Enumerable.Range(0, services).Select(i => (object)SyntheticCluster.Slice(i))));
        var config = new NodeConfig(SyntheticModel.NodeName) { ClusterCidrs = [IpNet.Parse(SyntheticCluster.ClusterCidr)], NodePortRange = SyntheticCluster.NodePorts };
        for (var round = 0; round < 4; round++)
        {
            var clock = Stopwatch.StartNew();
            var pause0 = GC.GetTotalPauseDuration();
            var svcList = await ListDecoder<V1Service>.ReadAsync(new MemoryStream(serviceJson), CancellationToken.None);
            var tDecodeSvc = clock.Elapsed;
            var sliceList = await ListDecoder<V1EndpointSlice>.ReadAsync(new MemoryStream(sliceJson), CancellationToken.None);
            var tDecodeSlice = clock.Elapsed;
            var svcStore = new ObjectStore<V1Service>();
            svcStore.Replace([.. svcList.Items.Select(d => d.Object!)]);
            var sliceStore = new ObjectStore<V1EndpointSlice>();
            sliceStore.Replace([.. sliceList.Items.Select(d => d.Object!)]);
            var tStore = clock.Elapsed;
            var snapshot = new ClusterSnapshot([.. svcStore.Items], [.. sliceStore.Items], [], [ObjectTrim.Node(SyntheticCluster.Node(), StringPool.Shared)]);
            var model = ModelBuilder.Build(snapshot, config, new ModelCache());
            var tModel = clock.Elapsed;
            var wanted = new RenderCache().Render(model.For(IpFamily.V4));
            var tRender = clock.Elapsed;
            var batch = Differ.Diff(KernelTables.Empty, wanted, IptablesTool.DefaultNftStagingLimit);
            var tDiff = clock.Elapsed;
            long bytes = 0;
            foreach (var chunk in batch.Chunks())
            {
                bytes += chunk.Length;
            }

            var tBytes = clock.Elapsed;
            Console.WriteLine($"round {round}: decode services {tDecodeSvc.TotalMilliseconds:F0} ms, slices {(tDecodeSlice - tDecodeSvc).TotalMilliseconds:F0}, stores {(tStore - tDecodeSlice).TotalMilliseconds:F0}, model {(tModel - tStore).TotalMilliseconds:F0}, render {(tRender - tModel).TotalMilliseconds:F0}, diff {(tDiff - tRender).TotalMilliseconds:F0}, batch {(tBytes - tDiff).TotalMilliseconds:F0} ({bytes} bytes); gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, GC pauses {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F0} ms of {clock.ElapsedMilliseconds}");
        }

        return 0;
    }

    private static string ListJson(string kind, IEnumerable<object> items) =>
        $"{{\"kind\":\"{kind}\",\"apiVersion\":\"v1\",\"metadata\":{{\"resourceVersion\":\"5\"}},\"items\":[{string.Join(",", items.Select(i => KubernetesJson.Serialize(i)))}]}}";
}
