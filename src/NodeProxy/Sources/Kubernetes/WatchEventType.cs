namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// A watch event's type as the API server writes it. Ours because the client's AOT flavour has
/// no watch support (and so no enum); WatchDecoder reads the wire strings itself anyway.
/// </summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    Error,
    Bookmark,
}
