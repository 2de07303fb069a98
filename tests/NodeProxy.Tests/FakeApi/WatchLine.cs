using k8s;
using k8s.Models;
using NodeProxy.Sources.Kubernetes;

namespace NodeProxy.Tests.FakeApi;

/// <summary>The newline-delimited JSON events of a watch stream, byte for byte as the apiserver frames them.</summary>
static class WatchLine
{
    public static string Event(WatchEventType type, object obj) => Frame(type, WireJson.Of(obj));

    public static string Bookmark(ResourceType type, long resourceVersion)
    {
        var marker = type.New();
        marker.Kind = type.Kind;
        marker.ApiVersion = type.ApiVersion;
        marker.Metadata = new V1ObjectMeta { ResourceVersion = resourceVersion.ToString() };
        return Event(WatchEventType.Bookmark, marker);
    }

    public static string Error(V1Status status) => Frame(WatchEventType.Error, StatusJson.Serialize(status));

    static string Frame(WatchEventType type, string objectJson) => $"{{\"type\":\"{Name(type)}\",\"object\":{objectJson}}}\n";

    public static V1Status TooOld(long requested, long compacted) =>
        Statuses.Failure(410, "Expired", $"too old resource version: {requested} ({compacted})");

    static string Name(WatchEventType type) => type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        WatchEventType.Deleted => "DELETED",
        WatchEventType.Bookmark => "BOOKMARK",
        _ => "ERROR",
    };
}
