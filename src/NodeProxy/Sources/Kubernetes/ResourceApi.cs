using k8s;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// List and watch of one resource, already narrowed by its selectors: the only two calls an
/// informer makes, so tests can point it at any server.
/// </summary>
public sealed record ResourceApi<T>(
    string Name,
    Func<string, CancellationToken, Task<ResourceList<T>>> List,
    Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> Watch);

public sealed record ResourceList<T>(IReadOnlyList<T> Items, string ResourceVersion);
