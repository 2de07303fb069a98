namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// List and watch of one resource, already narrowed by its selectors: the only two calls an
/// informer makes, so tests can point it at any server. Both decode each object on its own.
/// </summary>
/// <param name="Name">The resource, as in its path and the metrics' resource label: "services".</param>
/// <param name="Kind">The object kind, as in nodeproxy_objects_rejected_total's kind label: "Service".</param>
/// <param name="Watch">From a resource version; the callback says the server accepted the watch.</param>
public sealed record ResourceApi<T>(
    string Name,
    string Kind,
    Func<string, CancellationToken, Task<ResourceList<T>>> List,
    Func<string, Action, CancellationToken, IAsyncEnumerable<WatchEvent<T>>> Watch)
    where T : class;

public sealed record ResourceList<T>(IReadOnlyList<Decoded<T>> Items, string ResourceVersion)
    where T : class
{
    /// <summary>The items are already the copies the stores keep (<see cref="ObjectTrim"/>'s).</summary>
    public bool Kept { get; init; }
}
