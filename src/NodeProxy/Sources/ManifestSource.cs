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
    public static ManifestLoad Load(string path)
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
        var derived = PodEndpointSlices.Derive(reader.Services, reader.EndpointSlices, reader.Pods, problems);
        var snapshot = new ClusterSnapshot([.. reader.Services], [.. reader.EndpointSlices, .. derived], [.. reader.Pods], [.. reader.Nodes]);
        return new ManifestLoad(snapshot, [.. problems]);
    }
}
