using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NodeProxy.Cluster;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// The cluster as the API server tells it: one informer per resource kube-proxy watches, and a
/// snapshot of their stores once every first list is in. Losing the API server never empties a
/// store: the node keeps forwarding with what it last knew and catches up when the API returns.
/// </summary>
public sealed class KubernetesSource
{
    private readonly Informer<V1Service> services;
    private readonly Informer<V1EndpointSlice> slices;
    private readonly Informer<V1Node> nodes;
    private readonly Informer<V1Pod> pods;

    public KubernetesSource(
        ResourceApi<V1Service> services,
        ResourceApi<V1EndpointSlice> slices,
        ResourceApi<V1Node> nodes,
        ResourceApi<V1Pod> pods,
        InformerOptions options,
        ChangeTracker changes,
        ILogger log)
    {
        Changes = changes;
        this.services = new Informer<V1Service>(services, options, () => changes.Changed(null, ChangeKind.Service), log);
        this.slices = new Informer<V1EndpointSlice>(slices, options, () => changes.Changed(null, ChangeKind.Endpoints), log);
        this.nodes = new Informer<V1Node>(nodes, options, () => changes.Changed(null), log);
        this.pods = new Informer<V1Pod>(pods, options, () => changes.Changed(null), log);
        this.services.ItemChanged = service => changes.Changed(Key(service), null, ChangeKind.Service);
        this.slices.ItemChanged = slice => changes.Changed(Key(slice), TriggerTime(slice), ChangeKind.Endpoints);
        this.pods.ItemChanged = pod => changes.Changed(Key(pod), null, ChangeKind.Other);
    }

    public static KubernetesSource Create(k8s.Kubernetes client, string nodeName, InformerOptions options, ChangeTracker changes, ILogger log)
    {
        var api = new ApiTransport(client);
        return new KubernetesSource(ClusterApis.Services(api), ClusterApis.EndpointSlices(api), ClusterApis.Node(api, nodeName), ClusterApis.PodsOnNode(api, nodeName), options, changes, log);
    }

    public ChangeTracker Changes { get; }

    public bool HasSynced => services.HasSynced && slices.HasSynced && nodes.HasSynced && pods.HasSynced;

    public IReadOnlyList<IInformerStats> Informers => [services, slices, nodes, pods];

    public Task RunAsync(CancellationToken cancel) => Task.WhenAll(Start(cancel).Values);

    /// <summary>Starts each informer's loop, by resource name, so that one that ends can be told apart.</summary>
    public IReadOnlyDictionary<string, Task> Start(CancellationToken cancel) => new Dictionary<string, Task>(StringComparer.Ordinal)
    {
        [services.Name] = services.RunAsync(cancel),
        [slices.Name] = slices.RunAsync(cancel),
        [nodes.Name] = nodes.RunAsync(cancel),
        [pods.Name] = pods.RunAsync(cancel),
    };

    /// <summary>Null until every resource has been listed once: a partial cluster must never be synced.</summary>
    public ClusterSnapshot? Snapshot() => HasSynced
        ? new ClusterSnapshot([.. services.Store.Items], [.. slices.Store.Items], [.. pods.Store.Items], [.. nodes.Store.Items])
        : null;

    private static string Key(IKubernetesObject<V1ObjectMeta> item) => $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";

    /// <summary>When the EndpointSlice controller saw the change that made this slice, if it says.</summary>
    private static DateTimeOffset? TriggerTime(V1EndpointSlice slice) =>
        slice.Metadata?.Annotations?.TryGetValue("endpoints.kubernetes.io/last-change-trigger-time", out var text) == true
        && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;
}
