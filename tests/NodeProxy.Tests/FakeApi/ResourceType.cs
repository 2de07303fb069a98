using k8s;
using k8s.Models;

namespace NodeProxy.Tests.FakeApi;

/// <summary>One kind of object the fake API server serves, with what it takes to list, clone and select it.</summary>
public sealed record ResourceType(
    string Path,
    string Kind,
    string ApiVersion,
    Type ClrType,
    Func<IKubernetesObject<V1ObjectMeta>, IKubernetesObject<V1ObjectMeta>> Copy,
    Func<IKubernetesObject<V1ObjectMeta>> New,
    Func<IEnumerable<IKubernetesObject<V1ObjectMeta>>, string, object> NewList,
    Func<IKubernetesObject<V1ObjectMeta>, string, string?> Field)
{
    public static readonly ResourceType Services = Of<V1Service>(
        "/api/v1/services", "Service", "v1",
        (items, rv) => new V1ServiceList { Kind = "ServiceList", ApiVersion = "v1", Metadata = new V1ListMeta { ResourceVersion = rv }, Items = [.. items] },
        (_, _) => null);

    public static readonly ResourceType EndpointSlices = Of<V1EndpointSlice>(
        "/apis/discovery.k8s.io/v1/endpointslices", "EndpointSlice", "discovery.k8s.io/v1",
        (items, rv) => new V1EndpointSliceList { Kind = "EndpointSliceList", ApiVersion = "discovery.k8s.io/v1", Metadata = new V1ListMeta { ResourceVersion = rv }, Items = [.. items] },
        (_, _) => null);

    public static readonly ResourceType Nodes = Of<V1Node>(
        "/api/v1/nodes", "Node", "v1",
        (items, rv) => new V1NodeList { Kind = "NodeList", ApiVersion = "v1", Metadata = new V1ListMeta { ResourceVersion = rv }, Items = [.. items] },
        (_, _) => null);

    public static readonly ResourceType Pods = Of<V1Pod>(
        "/api/v1/pods", "Pod", "v1",
        (items, rv) => new V1PodList { Kind = "PodList", ApiVersion = "v1", Metadata = new V1ListMeta { ResourceVersion = rv }, Items = [.. items] },
        (pod, field) => field == "spec.nodeName" ? pod.Spec?.NodeName ?? "" : null);

    public static readonly IReadOnlyList<ResourceType> All = [Services, EndpointSlices, Nodes, Pods];

    public static ResourceType? ForPath(string path) => All.FirstOrDefault(t => t.Path == path);

    public static ResourceType For(Type clrType) =>
        All.FirstOrDefault(t => t.ClrType == clrType) ?? throw new ArgumentException($"the fake API server does not serve {clrType.Name}");

    /// <summary>The value of a field selector's field, or null when the apiserver would refuse the field.</summary>
    public string? FieldValue(IKubernetesObject<V1ObjectMeta> obj, string field) => field switch
    {
        "metadata.name" => obj.Metadata?.Name ?? "",
        "metadata.namespace" => obj.Metadata?.NamespaceProperty ?? "",
        _ => Field(obj, field),
    };

    static ResourceType Of<T>(
        string path, string kind, string apiVersion,
        Func<List<T>, string, object> newList,
        Func<T, string, string?> field)
        where T : class, IKubernetesObject<V1ObjectMeta>, new() =>
        new(path, kind, apiVersion, typeof(T),
            // A JSON round trip is the deep copy that keeps callers' later edits out of the store.
            obj => KubernetesJson.Deserialize<T>(WireJson.Serialize(obj)),
            () => new T(),
            (items, rv) => newList([.. items.Cast<T>()], rv),
            (obj, name) => field((T)obj, name));
}
