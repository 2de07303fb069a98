using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using NodeProxy.Sources.Kubernetes;

namespace NodeProxy.Tests.FakeApi;

/// <summary>
/// The objects, the change history and the open watches, all behind one lock so that a watch
/// opened while objects change gets every change exactly once, like etcd behind the watch cache.
/// </summary>
public sealed class ApiState
{
    readonly Lock gate = new();
    readonly Dictionary<(string Kind, string Namespace, string Name), IKubernetesObject<V1ObjectMeta>> objects = [];
    readonly List<StoredEvent> history = [];
    readonly List<WatchSession> watches = [];
    long resourceVersion;
    // Every resourceVersion up to this one is compacted away; -1 until the first ExpireHistory.
    long compactedAt = -1;

    public long ResourceVersion { get { lock (gate) return resourceVersion; } }

    public int OpenWatchCount { get { lock (gate) return watches.Count; } }

    /// <summary>Whether a write gets the managedFields entry a real API server records (the default).</summary>
    public bool RecordManagedFields { get; set; } = true;

    /// <param name="bend">Rewrites the object's JSON on the wire, for objects the typed model cannot hold.</param>
    public long Apply(IKubernetesObject<V1ObjectMeta> obj, Func<string, string>? bend = null)
    {
        var type = ResourceType.For(obj.GetType());
        var stored = type.Copy(obj);
        stored.Kind ??= type.Kind;
        stored.ApiVersion ??= type.ApiVersion;
        stored.Metadata ??= new V1ObjectMeta();
        if (RecordManagedFields)
            ManagedFields.Record(stored, type.ApiVersion);
        var key = Key(type, stored.Metadata.NamespaceProperty, stored.Metadata.Name);
        lock (gate)
        {
            objects.TryGetValue(key, out var previous);
            stored.Metadata.Uid ??= previous?.Metadata.Uid ?? Guid.NewGuid().ToString();
            stored.Metadata.ResourceVersion = (++resourceVersion).ToString();
            if (bend is not null)
                WireJson.Bend(stored, bend);
            objects[key] = stored;
            Record(new(resourceVersion, type, previous is null ? WatchEventType.Added : WatchEventType.Modified, previous, stored));
            return resourceVersion;
        }
    }

    public bool Delete(ResourceType type, string? ns, string name)
    {
        lock (gate)
        {
            if (!objects.Remove(Key(type, ns, name), out var last))
                return false;
            // The DELETED event carries the last state at the deletion's resourceVersion.
            var gone = type.Copy(last);
            gone.Metadata.ResourceVersion = (++resourceVersion).ToString();
            WireJson.Copy(last, gone);
            Record(new(resourceVersion, type, WatchEventType.Deleted, last, gone));
            return true;
        }
    }

    public void EncodeAll()
    {
        lock (gate)
            foreach (var obj in objects.Values)
                WireJson.Utf8(obj);
    }

    public (List<IKubernetesObject<V1ObjectMeta>> Items, long ResourceVersion) List(Selection selection)
    {
        lock (gate)
            return (Current(selection), resourceVersion);
    }

    /// <summary>Registers a watch with what it must see first: the history after <paramref name="from"/>, everything as ADDED when null, or a 410.</summary>
    public WatchSession OpenWatch(Selection selection, bool bookmarks, long? from, HttpContext context)
    {
        lock (gate)
        {
            if (from is { } rv && rv <= compactedAt)
            {
                var expired = new WatchSession(selection, bookmarks, rv, context);
                expired.Queue(WatchLine.Error(WatchLine.TooOld(rv, compactedAt + 1)), rv);
                expired.End();
                return expired;
            }
            var session = new WatchSession(selection, bookmarks, from ?? 0, context);
            if (from is null)
            {
                foreach (var obj in Current(selection))
                    session.Queue(WatchLine.Event(WatchEventType.Added, obj), resourceVersion);
                session.SeenUpTo(resourceVersion);
            }
            else
            {
                foreach (var change in history)
                    session.Offer(change);
            }
            watches.Add(session);
            return session;
        }
    }

    public void CloseWatch(WatchSession session)
    {
        lock (gate)
            watches.Remove(session);
    }

    public IReadOnlyList<WatchSession> OpenWatches()
    {
        lock (gate)
            return [.. watches];
    }

    public void SendBookmarks()
    {
        lock (gate)
        {
            foreach (var session in watches.Where(w => w.Bookmarks))
                session.Queue(WatchLine.Bookmark(session.Selection.Type, resourceVersion), resourceVersion);
        }
    }

    /// <summary>
    /// Compaction of everything so far, including the current resourceVersion, so that a watch from the
    /// last list's resourceVersion gets the 410; the watches open now end with it too, as when the watch cache overflows.
    /// </summary>
    public void ExpireHistory()
    {
        lock (gate)
        {
            compactedAt = resourceVersion;
            history.Clear();
            foreach (var session in watches)
            {
                session.Queue(WatchLine.Error(WatchLine.TooOld(session.LastResourceVersion, compactedAt + 1)), session.LastResourceVersion);
                session.End();
            }
        }
    }

    void Record(StoredEvent change)
    {
        history.Add(change);
        foreach (var session in watches)
            session.Offer(change);
    }

    List<IKubernetesObject<V1ObjectMeta>> Current(Selection selection) =>
        [.. objects.Values.Where(o => o.GetType() == selection.Type.ClrType && selection.Matches(o))
            .OrderBy(o => o.Metadata.NamespaceProperty).ThenBy(o => o.Metadata.Name)];

    static (string, string, string) Key(ResourceType type, string? ns, string? name) => (type.Kind, ns ?? "", name ?? "");
}
