using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;
using NodeProxy.Bench;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Sources;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Tests.Diff;

// What the stores and the model keep at N services x 10 endpoints, stage by stage: the API path
// (each object through the wire's JSON and the informer's decoder into an ObjectStore) or the
// manifest path (`--source`, as the agent benchmark runs it). Managed bytes after a full collection.
var services = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var path = args.Length > 1 ? args[1] : "api";
var config = new NodeConfig(SyntheticModel.NodeName) { ClusterCidrs = [IpNet.Parse(SyntheticCluster.ClusterCidr)], NodePortRange = SyntheticCluster.NodePorts };

// Every code path once, so that what the JIT and the serializers keep is not counted below.
Stores(1);
ModelBuilder.Build(Stores(1).Snapshot, config);

ClusterSnapshot snapshot;
var start = Heap();
if (path == "api")
{
    (var stores, snapshot) = Stores(services);
    Report("stores", Heap() - start);
    GC.KeepAlive(stores);
}
else
{
    var folder = Directory.CreateTempSubdirectory("nodeproxy-stores-").FullName;
    await SyntheticCluster.WriteManifestsAsync(folder, services, CancellationToken.None);
    start = Heap();
    snapshot = ManifestSource.Load(folder).Snapshot;
    Report("first manifest load", Heap() - start);
    var second = Heap();
    var again = ManifestSource.Load(folder).Snapshot;
    Report("a second load (its objects)", Heap() - second);
    GC.KeepAlive(again);
    Directory.Delete(folder, recursive: true);
}

var before = Heap();
var model = ModelBuilder.Build(snapshot, config);
Report("model (no cache)", Heap() - before);
GC.KeepAlive(model);
model = null;
before = Heap();
var cache = new ModelCache();
model = ModelBuilder.Build(snapshot, config, cache);
Report("model with its cache", Heap() - before);
Console.WriteLine($"{model.V4.Services.Length} ports, {model.V4.Services.Sum(p => p.ClusterEndpoints.Length)} endpoints");
GC.KeepAlive(snapshot);
GC.KeepAlive(cache);

static long Heap() => GC.GetTotalMemory(forceFullCollection: true);

static void Report(string stage, long bytes) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stage,-28} {bytes / 1e6,7:F1} MB"));

static (object Stores, ClusterSnapshot Snapshot) Stores(int count)
{
    var services = new ObjectStore<V1Service>();
    var slices = new ObjectStore<V1EndpointSlice>();
    var nodes = new ObjectStore<V1Node>();
    nodes.Upsert(Wire<V1Node>(SyntheticCluster.Node()));
    for (var i = 0; i < count; i++)
    {
        services.Upsert(Wire<V1Service>(SyntheticCluster.Service(i)));
        slices.Upsert(Wire<V1EndpointSlice>(SyntheticCluster.Slice(i)));
    }

    return ((services, slices, nodes), new ClusterSnapshot([.. services.Items], [.. slices.Items], [], [.. nodes.Items]));
}

static T Wire<T>(object item)
    where T : class
{
    using var json = JsonDocument.Parse(KubernetesJson.Serialize(item));
    return Decoded<T>.From(json.RootElement).Object!;
}
