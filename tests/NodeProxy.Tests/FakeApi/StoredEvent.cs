using k8s;
using k8s.Models;
using NodeProxy.Sources.Kubernetes;

namespace NodeProxy.Tests.FakeApi;

/// <summary>One change in the history; Previous is the state before it, so a watch with selectors can tell entering from leaving.</summary>
public sealed record StoredEvent(
    long ResourceVersion,
    ResourceType Type,
    WatchEventType Change,
    IKubernetesObject<V1ObjectMeta>? Previous,
    IKubernetesObject<V1ObjectMeta> Current)
{
    /// <summary>The event a watch with this selection sees, as the apiserver's watch cache filters it; null when none.</summary>
    public WatchEventType? SeenBy(Selection selection)
    {
        if (selection.Type != Type)
            return null;
        var now = selection.Matches(Current);
        if (Change == WatchEventType.Deleted)
            return now ? WatchEventType.Deleted : null;
        var before = selection.Matches(Previous);
        return (before, now) switch
        {
            (true, true) => WatchEventType.Modified,
            (false, true) => WatchEventType.Added,
            (true, false) => WatchEventType.Deleted,
            _ => null,
        };
    }
}
