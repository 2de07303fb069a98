using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Sources;
using NodeProxy.Sources.Kubernetes;

namespace NodeProxy.Commands;

/// <summary>
/// A source as the sync loop sees it: the current model, or null when there is none to trust
/// (manifests that cannot be read, an API not listed yet); the rules then stay as they are. Bad
/// objects are logged when they first appear, not at every periodic sync.
/// </summary>
internal sealed class ModelFeed(Func<(ClusterSnapshot Snapshot, ImmutableArray<Problem> Problems)?> read, NodeConfig config, ILogger log)
{
    private readonly ModelCache cache = new();
    private HashSet<Problem> reported = [];

    /// <summary>Each bad object (or bad part of one) the first time it is seen.</summary>
    public event Action<Problem>? Rejected;

    /// <summary>The cluster as of the last load, for the health check's view of this Node.</summary>
    public ClusterSnapshot? LastSnapshot { get; private set; }

    /// <summary>The model of the last load.</summary>
    public ModelResult? LastModel { get; private set; }

    /// <summary>Reads the host's interface addresses for each load (--nodeport-addresses); null: the Node object's.</summary>
    public Func<ImmutableArray<System.Net.IPAddress>>? HostAddresses { get; set; }

    /// <summary>The host's addresses the last model was built with, when read.</summary>
    public ImmutableArray<System.Net.IPAddress>? LastHostAddresses { get; private set; }

    public static ModelFeed FromManifests(string source, NodeConfig config, ILogger log)
    {
        var manifests = new ManifestReloader(source);
        return new(() =>
        {
            try
            {
                var load = manifests.Load();
                return (load.Snapshot, load.Problems);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogError("cannot read the manifests, keeping the rules as they are: {Error}", e.Message);
                return null;
            }
        }, config, log);
    }

    public static ModelFeed FromApi(KubernetesSource source, NodeConfig config, ILogger log) =>
        new(() => source.Snapshot() is { } snapshot ? (snapshot, ImmutableArray<Problem>.Empty) : null, config, log);

    public ModelResult? Load()
    {
        if (read() is not { } input)
        {
            return null;
        }

        var hostAddresses = HostAddresses?.Invoke();
        var model = ModelBuilder.Build(input.Snapshot, config, cache, hostAddresses);
        var problems = input.Problems.Concat(model.Problems).ToHashSet();
        foreach (var problem in problems.Where(p => !reported.Contains(p)))
        {
            log.LogWarning("skipped: {Problem}", problem);
            Rejected?.Invoke(problem);
        }

        reported = problems;
        LastSnapshot = input.Snapshot;
        LastModel = model;
        LastHostAddresses = hostAddresses;
        return model;
    }
}
