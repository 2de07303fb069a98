using NodeProxy.Cluster;

namespace NodeProxy.Sources;

/// <summary>
/// Reads the cluster from manifest files instead of an API server, for rendering and tracing
/// rules offline. Hand-written manifests usually lack the EndpointSlices the control plane would
/// have made, so those are derived from the Pods (see <see cref="PodEndpointSlices"/>).
/// </summary>
public static class ManifestSource
{
    private const string DefaultNamespace = "default";

    /// <param name="path">A YAML or JSON file, or a folder searched recursively for
    /// *.yaml, *.yml and *.json.</param>
    /// <exception cref="FileNotFoundException">The path does not exist: that is the caller's
    /// mistake, not bad cluster data, so it is not reported as a <see cref="Problem"/>.</exception>
    public static ManifestLoad Load(string path) => Load(path, trim: true);

    /// <param name="trim">False keeps the objects whole: only for tests that compare the two.</param>
    internal static ManifestLoad Load(string path, bool trim)
    {
        var reader = new ManifestReader();
        foreach (var file in ManifestFiles.Find(path))
        {
            reader.ReadFile(file);
        }

        // As kubectl apply would: everything downstream can then compare namespaces as written.
        foreach (var metadata in reader.Services.Select(s => s.Metadata)
                     .Concat(reader.EndpointSlices.Select(s => s.Metadata))
                     .Concat(reader.Pods.Select(p => p.Metadata)))
        {
            if (metadata is not null && string.IsNullOrEmpty(metadata.NamespaceProperty))
            {
                metadata.NamespaceProperty = DefaultNamespace;
            }
        }

        var problems = new List<Problem>(reader.Problems);
        var services = FirstDefinitions("Service", reader.Services, s => s.Metadata, reader, problems);
        var slices = FirstDefinitions("EndpointSlice", reader.EndpointSlices, s => s.Metadata, reader, problems);
        var pods = FirstDefinitions("Pod", reader.Pods, p => p.Metadata, reader, problems);
        var nodes = FirstDefinitions("Node", reader.Nodes, n => n.Metadata, reader, problems);
        var derived = PodEndpointSlices.Derive(services, slices, pods, problems);
        var snapshot = new ClusterSnapshot([.. services], [.. slices, .. derived], [.. pods], [.. nodes]);
        return new ManifestLoad(trim ? Trimmed(snapshot) : snapshot, [.. problems]);
    }

    /// <summary>After the slices are derived: that reads the selectors, labels and containers the model never does.</summary>
    private static ClusterSnapshot Trimmed(ClusterSnapshot snapshot)
    {
        var strings = new StringPool();
        return new ClusterSnapshot(
            [.. snapshot.Services.Select(s => ObjectTrim.Service(s, strings))],
            [.. snapshot.EndpointSlices.Select(s => ObjectTrim.Slice(s, strings))],
            [.. snapshot.Pods.Select(p => ObjectTrim.Pod(p, strings))],
            [.. snapshot.Nodes.Select(n => ObjectTrim.Node(n, strings))]);
    }

    /// <summary>
    /// An API server holds one object per kind, namespace and name, and refuses to create a
    /// second: so the first definition in file order is kept and every later one refused,
    /// rather than both reaching the model (whose rules would then be merged into one chain).
    /// </summary>
    private static List<T> FirstDefinitions<T>(string kind, IEnumerable<T> objects, Func<T, k8s.Models.V1ObjectMeta?> metadata, ManifestReader reader, List<Problem> problems)
        where T : class
    {
        var first = new Dictionary<(string?, string?), T>();
        var kept = new List<T>();
        foreach (var item in objects)
        {
            var meta = metadata(item);
            var key = (meta?.NamespaceProperty, meta?.Name);
            if (meta?.Name is not null && first.TryGetValue(key, out var earlier))
            {
                var name = kind == "Node" ? meta.Name : $"{meta.NamespaceProperty}/{meta.Name}";
                problems.Add(new Problem(kind, name, "DuplicateObject",
                    $"is defined again in {reader.OriginOf(item)} (first in {reader.OriginOf(earlier)}); the later definition is ignored"));
                continue;
            }

            first[key] = item;
            kept.Add(item);
        }

        return kept;
    }
}
