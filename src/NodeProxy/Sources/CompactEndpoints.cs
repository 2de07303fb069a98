using System.Collections;
using k8s.Models;

namespace NodeProxy.Sources;

/// <summary>
/// A slice's endpoints as one array of small structs, read as the <see cref="V1Endpoint"/>s they
/// were: each read makes a fresh object, which the model build drops once it has read it. At
/// 10k services the stores hold 100k endpoints, and an object per endpoint with a list for its
/// one address cost about twice this. Read-only: nothing downstream of a store changes an object.
/// </summary>
public sealed class CompactEndpoints : IList<V1Endpoint>, IReadOnlyList<V1Endpoint>
{
    private readonly Entry[] entries;

    public CompactEndpoints(IEnumerable<V1Endpoint> endpoints, StringPool strings) =>
        entries = [.. endpoints.Select(e => Entry.Of(e, strings))];

    public int Count => entries.Length;

    public bool IsReadOnly => true;

    public V1Endpoint this[int index]
    {
        get => entries[index].ToEndpoint();
        set => throw ReadOnly();
    }

    public IEnumerator<V1Endpoint> GetEnumerator()
    {
        foreach (var entry in entries)
        {
            yield return entry.ToEndpoint();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void CopyTo(V1Endpoint[] array, int arrayIndex)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            array[arrayIndex + i] = entries[i].ToEndpoint();
        }
    }

    /// <summary>Every read is a new object, so no endpoint is ever found by reference.</summary>
    public int IndexOf(V1Endpoint item) => -1;

    public bool Contains(V1Endpoint item) => false;

    public void Add(V1Endpoint item) => throw ReadOnly();

    public void Clear() => throw ReadOnly();

    public void Insert(int index, V1Endpoint item) => throw ReadOnly();

    public bool Remove(V1Endpoint item) => throw ReadOnly();

    public void RemoveAt(int index) => throw ReadOnly();

    private static NotSupportedException ReadOnly() => new("a stored slice's endpoints are read-only");

    /// <param name="Addresses">The one address as a string (the usual case), else the array of them, else null.</param>
    /// <param name="Conditions">One of the shared <see cref="V1EndpointConditions"/>, or null.</param>
    private readonly record struct Entry(object? Addresses, V1EndpointConditions? Conditions, string? NodeName, string? Zone, string? Hostname, V1EndpointHints? Hints)
    {
        public static Entry Of(V1Endpoint endpoint, StringPool strings) => new(
            endpoint.Addresses is { Count: 1 } one ? one[0] : endpoint.Addresses?.ToArray(),
            endpoint.Conditions is { } c ? EndpointConditions.Shared(c) : null,
            strings.Intern(endpoint.NodeName),
            strings.Intern(endpoint.Zone),
            endpoint.Hostname,
            endpoint.Hints is not { } hints ? null : new V1EndpointHints
            {
                ForZones = hints.ForZones is { } zones ? [.. zones.Select(z => new V1ForZone { Name = strings.Intern(z.Name) })] : null,
                ForNodes = hints.ForNodes is { } nodes ? [.. nodes.Select(n => new V1ForNode { Name = strings.Intern(n.Name) })] : null,
            });

        public V1Endpoint ToEndpoint() => new()
        {
            Addresses = Addresses switch
            {
                string one => [one],
                string[] many => many,
                _ => null,
            },
            Conditions = Conditions,
            NodeName = NodeName,
            Zone = Zone,
            Hostname = Hostname,
            Hints = Hints,
        };
    }
}
