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
    private (NodeConfig Config, string? Zone, ImmutableArray<System.Net.IPAddress> NodeIPs)? inputs;
    private ImmutableArray<V1EndpointSlice> lastSlices = [];
    private Dictionary<(string Namespace, string Service), ImmutableArray<V1EndpointSlice>>? lastGroups;

    /// <summary>
    /// The groups patched since <see cref="Entries"/> last completed; null once any grouping was
    /// done afresh. Kept until then, so a build that stopped half-way loses no change.
    /// </summary>
    private HashSet<(string Namespace, string Service)>? changedGroups;
    private ImmutableArray<V1Service> lastServices = [];
    private Entry[] lastEntries = [];
    private ImmutableArray<V1Service> orderedServices = [];
    private (ImmutableArray<V1Service> Services, Dictionary<(string Namespace, string Service), List<int>> ByKey)? positions;
    private int[]? lastOrder;

    /// <summary>Who holds which cluster IP and node port, kept with the entries it counted.</summary>
    internal AllocationClaims Claims { get; } = new();

    /// <summary>Services the last build had to read afresh.</summary>
    public int LastRead { get; private set; }

    /// <param name="nodeIPs">A Service's cluster IP is checked against them, so entries read with others are read again.</param>
    internal void Begin(NodeConfig config, string? zone, ImmutableArray<System.Net.IPAddress> nodeIPs)
    {
        if (inputs is not { } last || !ReferenceEquals(last.Config, config) || last.Zone != zone || !last.NodeIPs.SequenceEqual(nodeIPs))
        {
            lastServices = [];
            lastEntries = [];
            lastOrder = null;
            inputs = (config, zone, nodeIPs);
        }

        LastRead = 0;
    }

    /// <summary>
    /// One entry per Service of <paramref name="services"/>, read with <paramref name="read"/>
    /// only where the Service object or its slices changed. Call after <see cref="Group"/>. When
    /// the Services hold their positions and the slices were patched, an unchanged position is
    /// taken as it was without looking it up: a sync then touches the changed Services only.
    /// </summary>
    internal Entry[] Entries(ImmutableArray<V1Service> services, Func<V1Service, ImmutableArray<V1EndpointSlice>, Entry> read)
    {
        Entry[] entries;
        if (changedGroups is not null && lastEntries.Length == services.Length && lastServices.Length == services.Length)
        {
            entries = (Entry[])lastEntries.Clone();
            foreach (var i in Touched(services))
            {
                entries[i] = EntryOf(services[i], ReferenceEquals(services[i], lastServices[i]) ? lastEntries[i] : null, read);
            }
        }
        else
        {
            var byService = Index(lastServices, lastEntries);
            entries = new Entry[services.Length];
            var unread = new List<int>();
            for (var i = 0; i < services.Length; i++)
            {
                if (Known(services[i], byService.GetValueOrDefault(services[i])) is { } known)
                {
                    entries[i] = known;
                }
                else
                {
                    unread.Add(i);
                }
            }

            // Each Service is read on its own from objects no one changes meanwhile.
            var fresh = entries;
            Fanout.For(unread, i => fresh[i] = read(services[i], SlicesOf(services[i])));
            LastRead += unread.Count;
        }

        lastServices = services;
        lastEntries = entries;
        changedGroups = [];
        return entries;
    }

    /// <summary>Positions whose Service object changed or whose slices were patched, each once.</summary>
    private SortedSet<int> Touched(ImmutableArray<V1Service> services)
    {
        var touched = new SortedSet<int>();
        for (var i = 0; i < services.Length; i++)
        {
            if (!ReferenceEquals(services[i], lastServices[i]))
            {
                touched.Add(i);
            }
        }

        if (changedGroups!.Count > 0)
        {
            var positions = PositionsByKey(services);
            foreach (var key in changedGroups)
            {
                touched.UnionWith(positions.GetValueOrDefault(key) ?? []);
            }
        }

        return touched;
    }

    /// <summary>Where each Service is in <paramref name="services"/>, kept while the list holds the same objects.</summary>
    private Dictionary<(string Namespace, string Service), List<int>> PositionsByKey(ImmutableArray<V1Service> services)
    {
        if (positions is not { } known || !SamePositions(known.Services, services))
        {
            var byKey = new Dictionary<(string Namespace, string Service), List<int>>(services.Length);
            for (var i = 0; i < services.Length; i++)
            {
                var key = KeyOf(services[i]);
                if (!byKey.TryGetValue(key, out var list))
                {
                    byKey[key] = list = [];
                }

                list.Add(i);
            }

            positions = known = (services, byKey);
        }

        return known.ByKey;
    }

    /// <summary>The entry of <paramref name="service"/>: <paramref name="known"/> while its slices are the same, else read afresh.</summary>
    private Entry EntryOf(V1Service service, Entry? known, Func<V1Service, ImmutableArray<V1EndpointSlice>, Entry> read)
    {
        if (Known(service, known) is { } still)
        {
            return still;
        }

        LastRead++;
        return read(service, SlicesOf(service));
    }

    /// <summary><paramref name="known"/> while its slices are still the Service's; null when it must be read afresh.</summary>
    private Entry? Known(V1Service service, Entry? known) =>
        known is not null && SameSlices(known.Slices, SlicesOf(service)) ? known : null;

    private ImmutableArray<V1EndpointSlice> SlicesOf(V1Service service) =>
        lastGroups!.TryGetValue(KeyOf(service), out var found) ? found : [];

    /// <summary>The Service a Service object is, as slices name it.</summary>
    internal static (string Namespace, string Service) KeyOf(V1Service service) =>
        (service.Metadata?.NamespaceProperty ?? "default", service.Metadata?.Name ?? "");

    /// <summary>
    /// The slices grouped by Service, as <see cref="EndpointReader.ByService"/> groups them. The
    /// sources keep their objects in a stable order, so between two builds the slice list usually
    /// differs at a few positions only; the last grouping is then patched at those, instead of
    /// regrouping 10k slices (the largest part of a build).
    /// </summary>
    internal void Group(ImmutableArray<V1EndpointSlice> slices)
    {
        var patched = lastGroups is null ? null : Patch(lastGroups, lastSlices, slices);
        changedGroups = patched is null || changedGroups is null ? null : [.. changedGroups, .. patched];
        if (patched is null)
        {
            lastGroups = EndpointReader.ByService(slices);
        }

        lastSlices = slices;
    }

    /// <summary>
    /// Indexes of <paramref name="entries"/> (one per Service of <paramref name="services"/>) that
    /// have a definition, by namespace then name. The same Service objects in the same positions
    /// as last time sort the same, so the last order is reused.
    /// </summary>
    internal int[] Order(ImmutableArray<V1Service> services, IReadOnlyList<Entry> entries)
    {
        if (lastOrder is null || !SamePositions(orderedServices, services))
        {
            lastOrder =
            [
                .. Enumerable.Range(0, entries.Count)
                    .Where(i => entries[i].Definition is not null)
                    .OrderBy(i => entries[i].Definition!.Namespace, StringComparer.Ordinal)
                    .ThenBy(i => entries[i].Definition!.Name, StringComparer.Ordinal),
            ];
        }

        orderedServices = services;
        return lastOrder;
    }

    private const int MaxPatched = 256;

    /// <returns>The groups patched; null when the change is not a replacement in place (regroup).</returns>
    private static HashSet<(string Namespace, string Service)>? Patch(
        Dictionary<(string, string), ImmutableArray<V1EndpointSlice>> groups, ImmutableArray<V1EndpointSlice> before, ImmutableArray<V1EndpointSlice> after)
    {
        if (before.Length != after.Length)
        {
            return null;
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
                return null;
            }

            changed.Add(i);
        }

        // Only a slice replaced by one of the same Service keeps its place in the same group.
        if (changed.Any(i => EndpointReader.ServiceOf(before[i]) != EndpointReader.ServiceOf(after[i])))
        {
            return null;
        }

        var patched = new HashSet<(string Namespace, string Service)>();
        foreach (var i in changed)
        {
            if (EndpointReader.ServiceOf(after[i]) is { } key)
            {
                groups[key] = groups[key].Replace(before[i], after[i], ReferenceEqualityComparer.Instance);
                patched.Add(key);
            }
        }

        return patched;
    }

    private static Dictionary<V1Service, Entry> Index(ImmutableArray<V1Service> services, Entry[] entries)
    {
        var byService = new Dictionary<V1Service, Entry>(services.Length, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < services.Length; i++)
        {
            byService[services[i]] = entries[i];
        }

        return byService;
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
