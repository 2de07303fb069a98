using System.Runtime.CompilerServices;
using k8s.Models;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// The four resources kube-proxy watches, with its filters: Services and EndpointSlices that
/// another proxy claims (service-proxy-name) or that are headless are never sent; only this
/// Node, and only the Pods on this node (for hostPorts). The requests are made here rather than
/// through the client's typed calls, which decode a whole list (or event) at once: there one
/// object the client cannot read would fail every list of its resource, for good.
/// </summary>
public static class ClusterApis
{
    public const string ServiceSelector = "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless";

    private const int WatchTimeoutSeconds = 600;

    public static ResourceApi<V1Service> Services(ApiTransport api) =>
        Resource<V1Service>(api, "services", "Service", "/api/v1/services", $"labelSelector={Uri.EscapeDataString(ServiceSelector)}");

    public static ResourceApi<V1EndpointSlice> EndpointSlices(ApiTransport api) =>
        Resource<V1EndpointSlice>(api, "endpointslices", "EndpointSlice", "/apis/discovery.k8s.io/v1/endpointslices", $"labelSelector={Uri.EscapeDataString(ServiceSelector)}");

    public static ResourceApi<V1Node> Node(ApiTransport api, string nodeName) =>
        Resource<V1Node>(api, "nodes", "Node", "/api/v1/nodes", $"fieldSelector={Uri.EscapeDataString($"metadata.name={nodeName}")}");

    public static ResourceApi<V1Pod> PodsOnNode(ApiTransport api, string nodeName) =>
        Resource<V1Pod>(api, "pods", "Pod", "/api/v1/pods", $"fieldSelector={Uri.EscapeDataString($"spec.nodeName={nodeName}")}");

    private static ResourceApi<T> Resource<T>(ApiTransport api, string name, string kind, string path, string selector)
        where T : class => new(
        name,
        kind,
        async (rv, cancel) =>
        {
            using var response = await api.GetAsync($"{path}?{selector}&resourceVersion={Uri.EscapeDataString(rv)}", cancel);
            await using var body = await response.Content.ReadAsStreamAsync(cancel);
            // Trimmed as they come: at 10k Services the whole objects of a list are tens of MB.
            return await ListDecoder<T>.ReadAsync(body, cancel, item => ObjectTrim.Trim(item, StringPool.Shared));
        },
        (rv, connected, cancel) => WatchAsync<T>(api, $"{path}?{selector}&watch=true&allowWatchBookmarks=true&timeoutSeconds={WatchTimeoutSeconds}&resourceVersion={Uri.EscapeDataString(rv)}", connected, cancel));

    private static async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ApiTransport api, string pathAndQuery, Action connected, [EnumeratorCancellation] CancellationToken cancel)
        where T : class
    {
        using var response = await api.GetAsync(pathAndQuery, cancel);
        connected();
        await using var body = await response.Content.ReadAsStreamAsync(cancel);
        await foreach (var change in WatchDecoder<T>.ReadAsync(body, cancel))
        {
            yield return change;
        }
    }
}
