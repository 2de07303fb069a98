namespace NodeProxy.Sources.Kubernetes;

/// <summary>What an informer has cost the API server and how current it is: for logs, metrics, health and the tests that count.</summary>
public interface IInformerStats
{
    string Name { get; }

    /// <summary>The object kind, for nodeproxy_objects_rejected_total.</summary>
    string Kind { get; }

    /// <summary>The first list is in: the store may be used. It stays true through relists and outages (see <see cref="OutOfSyncSince"/>).</summary>
    bool HasSynced { get; }

    long Lists { get; }

    long Watches { get; }

    long Relists { get; }

    /// <summary>Objects skipped because they could not be decoded, each counted when it first appears.</summary>
    long Undecodable { get; }

    /// <summary>Failed lists and watches so far, by error type.</summary>
    IReadOnlyDictionary<string, long> Errors { get; }

    /// <summary>
    /// Since when the store may be behind the API server: from start-up until the first list, and
    /// from the first failure until a list succeeds or a watch is accepted again. Null while in step.
    /// </summary>
    DateTimeOffset? OutOfSyncSince { get; }

    /// <summary>Why, when <see cref="OutOfSyncSince"/> is set: the last error.</summary>
    string? LastError { get; }
}
