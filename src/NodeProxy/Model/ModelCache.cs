using System.Collections.Immutable;
using k8s.Models;
using NodeProxy.Cluster;

namespace NodeProxy.Model;

/// <summary>
/// Each Service's ports (both families) and problems from the previous build, reused while the
/// Service object and its EndpointSlice objects are the very same instances: the informers'
/// stores replace an object only when it changes, so at 10k services a build then reads only the
/// changed ones instead of all of them (~0.5 s a sync). The result is always what a build
/// without the cache gives. One cache per caller; not thread-safe.
/// </summary>
public sealed class ModelCache
{
    private Dictionary<V1Service, Entry> previous = new(ReferenceEqualityComparer.Instance);
    private Dictionary<V1Service, Entry> current = new(ReferenceEqualityComparer.Instance);
    private (NodeConfig Config, string? Zone)? inputs;
    private ImmutableArray<V1EndpointSlice> lastSlices = [];
    private Dictionary<(string Namespace, string Service), ImmutableArray<V1EndpointSlice>>? lastGroups;
    private ImmutableArray<V1Service> lastServices = [];
    private int[]? lastOrder;

    /// <summary>Services the last build had to read afresh.</summary>
    public int LastRead { get; private set; }

    internal void Begin(NodeConfig config, string? zone)
    {
        if (inputs is not { } last || !ReferenceEquals(last.Config, config) || last.Zone != zone)
        {
            previous.Clear();
            lastOrder = null;
            inputs = (config, zone);
        }

        current.Clear();
        LastRead = 0;
    }

    internal Entry For(V1Service service, ImmutableArray<V1EndpointSlice> slices, Func<Entry> read)
    {
        if ((current.TryGetValue(service, out var entry) || previous.TryGetValue(service, out entry)) && SameSlices(entry.Slices, slices))
        {
            current[service] = entry;
            return entry;
        }

        LastRead++;
        return current[service] = read();
    }

    internal void End() => (previous, current) = (current, previous);

    /// <summary>
    /// The slices grouped by Service, as <see cref="EndpointReader.ByService"/> groups them. The
    /// sources keep their objects in a stable order, so between two builds the slice list usually
    /// differs at a few positions only; the last grouping is then patched at those, instead of
    /// regrouping 10k slices (the largest part of a build). The dictionary is the cache's own:
    /// read it during this build only.
    /// </summary>
    internal IReadOnlyDictionary<(string Namespace, string Service), ImmutableArray<V1EndpointSlice>> Group(ImmutableArray<V1EndpointSlice> slices)
    {
        if (lastGroups is null || !TryPatch(lastGroups, lastSlices, slices))
        {
            lastGroups = EndpointReader.ByService(slices);
        }

        lastSlices = slices;
        return lastGroups;
    }

    /// <summary>
    /// Indexes of <paramref name="entries"/> (one per Service of <paramref name="services"/>) that
    /// have a definition, by namespace then name. The same Service objects in the same positions
    /// as last time sort the same, so the last order is reused.
    /// </summary>
    internal int[] Order(ImmutableArray<V1Service> services, IReadOnlyList<Entry> entries)
    {
        if (lastOrder is null || !SamePositions(lastServices, services))
        {
            lastOrder =
            [
                .. Enumerable.Range(0, entries.Count)
                    .Where(i => entries[i].Definition is not null)
                    .OrderBy(i => entries[i].Definition!.Namespace, StringComparer.Ordinal)
                    .ThenBy(i => entries[i].Definition!.Name, StringComparer.Ordinal),
            ];
        }

        lastServices = services;
        return lastOrder;
    }

    private const int MaxPatched = 256;

    private static bool TryPatch(Dictionary<(string, string), ImmutableArray<V1EndpointSlice>> groups, ImmutableArray<V1EndpointSlice> before, ImmutableArray<V1EndpointSlice> after)
    {
        if (before.Length != after.Length)
        {
            return false;
        }

        var changed = new List<int>();
        for (var i = 0; i < after.Length; i++)
        {
            if (ReferenceEquals(before[i], after[i]))
            {
                continue;
            }

            if (changed.Count == MaxPatched)
            {
                return false;
            }

            changed.Add(i);
        }

        // Only a slice replaced by one of the same Service keeps its place in the same group.
        if (changed.Any(i => EndpointReader.ServiceOf(before[i]) != EndpointReader.ServiceOf(after[i])))
        {
            return false;
        }

        foreach (var i in changed)
        {
            if (EndpointReader.ServiceOf(after[i]) is { } key)
            {
                groups[key] = groups[key].Replace(before[i], after[i], ReferenceEqualityComparer.Instance);
            }
        }

        return true;
    }

    private static bool SamePositions<T>(ImmutableArray<T> a, ImmutableArray<T> b)
        where T : class
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!ReferenceEquals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameSlices(ImmutableArray<V1EndpointSlice> a, ImmutableArray<V1EndpointSlice> b) =>
        a.SequenceEqual<V1EndpointSlice, V1EndpointSlice>(b, ReferenceEqualityComparer.Instance);

    /// <summary>What one Service (with these slices) contributes to the model.</summary>
    internal sealed record Entry(
        ImmutableArray<V1EndpointSlice> Slices,
        ServiceDefinition? Definition,
        ImmutableArray<ServicePort> V4,
        ImmutableArray<ServicePort> V6,
        ImmutableArray<Problem> Problems);
}
