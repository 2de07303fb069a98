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

    /// <summary>Services the last build had to read afresh.</summary>
    public int LastRead { get; private set; }

    internal void Begin(NodeConfig config, string? zone)
    {
        if (inputs is not { } last || !ReferenceEquals(last.Config, config) || last.Zone != zone)
        {
            previous.Clear();
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
