namespace NodeProxy.Sources;

/// <summary>
/// One copy of each string that many stored objects repeat (namespaces, node names, zones,
/// protocols, port names): the decoder makes a fresh copy per object, and at 10k services
/// 100k endpoints would each keep their own node name. Bounded: when full it starts again,
/// so a cluster that churns through names never grows it past <see cref="Capacity"/>.
/// Thread-safe: every informer stores through the same pool.
/// </summary>
public sealed class StringPool
{
    /// <summary>Room for every node of the largest cluster Kubernetes supports (5,000) and the rest of the vocabulary.</summary>
    public const int Capacity = 16_384;

    public static readonly StringPool Shared = new();

    private readonly HashSet<string> strings = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public int Count
    {
        get
        {
            lock (gate)
            {
                return strings.Count;
            }
        }
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Intern(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        lock (gate)
        {
            if (strings.TryGetValue(text, out var known))
            {
                return known;
            }

            if (strings.Count >= Capacity)
            {
                strings.Clear();
            }

            strings.Add(text);
            return text;
        }
    }
}
