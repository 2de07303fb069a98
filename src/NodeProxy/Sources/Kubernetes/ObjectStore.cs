using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// One resource's objects as last seen, by namespace/name, each as the copy
/// <see cref="ObjectTrim"/> makes: only what NodeProxy reads. Thread-safe.
/// </summary>
public sealed class ObjectStore<T> where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, T> objects = new(StringComparer.Ordinal);

    public int Count => objects.Count;

    public IReadOnlyList<T> Items => [.. objects.Values];

    public void Upsert(T item) => objects[Key(item)] = ObjectTrim.Trim(item, StringPool.Shared);

    public void Remove(T item) => objects.TryRemove(Key(item), out _);

    /// <summary>By namespace/name alone: for an object whose last event could not be decoded.</summary>
    /// <returns>Whether the store held it.</returns>
    public bool Remove(ObjectRef item) => objects.TryRemove(item.Key, out _);

    /// <summary>After a (re)list: what the list lacks was deleted while nobody was watching.</summary>
    /// <returns>How many objects vanished.</returns>
    /// <param name="kept">The items are already <see cref="ObjectTrim"/>'s copies: stored as they are.</param>
    public int Replace(IReadOnlyList<T> items, bool kept = false)
    {
        var keep = items.Select(Key).ToHashSet(StringComparer.Ordinal);
        var gone = objects.Keys.Where(k => !keep.Contains(k)).ToList();
        foreach (var key in gone)
        {
            objects.TryRemove(key, out _);
        }

        foreach (var item in items)
        {
            if (kept)
            {
                objects[Key(item)] = item;
            }
            else
            {
                Upsert(item);
            }
        }

        return gone.Count;
    }

    public static string Key(T item) => $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";
}
