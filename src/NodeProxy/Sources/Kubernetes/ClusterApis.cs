using k8s;
using k8s.ClientSets;
using k8s.Models;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// The four resources kube-proxy watches, with its filters: Services and EndpointSlices that
/// another proxy claims (service-proxy-name) or that are headless are never sent; only this
/// Node, and only the Pods on this node (for hostPorts).
/// </summary>
public static class ClusterApis
{
    public const string ServiceSelector = "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless";

    private const int WatchTimeoutSeconds = 600;

    public static ResourceApi<V1Service> Services(ClientSet client) => new(
        "services",
        async (rv, cancel) =>
        {
            var list = await client.CoreV1.Service.ListAsync(labelSelector: ServiceSelector, resourceVersion: rv, cancellationToken: cancel);
            return new ResourceList<V1Service>([.. list.Items], list.Metadata.ResourceVersion);
        },
        (rv, onError, cancel) => client.CoreV1.Service.WatchListAsync(
            allowWatchBookmarks: true, labelSelector: ServiceSelector, resourceVersion: rv, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: cancel));

    public static ResourceApi<V1EndpointSlice> EndpointSlices(ClientSet client) => new(
        "endpointslices",
        async (rv, cancel) =>
        {
            var list = await client.DiscoveryV1.EndpointSlice.ListAsync(labelSelector: ServiceSelector, resourceVersion: rv, cancellationToken: cancel);
            return new ResourceList<V1EndpointSlice>([.. list.Items], list.Metadata.ResourceVersion);
        },
        (rv, onError, cancel) => client.DiscoveryV1.EndpointSlice.WatchListAsync(
            allowWatchBookmarks: true, labelSelector: ServiceSelector, resourceVersion: rv, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: cancel));

    public static ResourceApi<V1Node> Node(ClientSet client, string nodeName) => new(
        "nodes",
        async (rv, cancel) =>
        {
            var list = await client.CoreV1.Node.ListAsync(fieldSelector: $"metadata.name={nodeName}", resourceVersion: rv, cancellationToken: cancel);
            return new ResourceList<V1Node>([.. list.Items], list.Metadata.ResourceVersion);
        },
        (rv, onError, cancel) => client.CoreV1.Node.WatchListAsync(
            allowWatchBookmarks: true, fieldSelector: $"metadata.name={nodeName}", resourceVersion: rv, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: cancel));

    public static ResourceApi<V1Pod> PodsOnNode(ClientSet client, string nodeName) => new(
        "pods",
        async (rv, cancel) =>
        {
            var list = await client.CoreV1.Pod.ListAsync(fieldSelector: $"spec.nodeName={nodeName}", resourceVersion: rv, cancellationToken: cancel);
            return new ResourceList<V1Pod>([.. list.Items], list.Metadata.ResourceVersion);
        },
        (rv, onError, cancel) => client.CoreV1.Pod.WatchListAsync(
            allowWatchBookmarks: true, fieldSelector: $"spec.nodeName={nodeName}", resourceVersion: rv, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: cancel));
}
