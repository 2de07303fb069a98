using Microsoft.Extensions.Logging;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Sources;

namespace NodeProxy.Commands;

/// <summary>
/// The manifest source as the sync loop sees it: the current model, or null when the path
/// cannot be read (the rules then stay as they are). Bad objects are logged when they first
/// appear, not at every periodic sync.
/// </summary>
internal sealed class ManifestModels(string source, NodeConfig config, ILogger log)
{
    private HashSet<Problem> reported = [];

    public ModelResult? Load()
    {
        ManifestLoad load;
        try
        {
            load = ManifestSource.Load(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogError("cannot read the manifests, keeping the rules as they are: {Error}", e.Message);
            return null;
        }

        var model = ModelBuilder.Build(load.Snapshot, config);
        var problems = load.Problems.Concat(model.Problems).ToHashSet();
        foreach (var problem in problems.Where(p => !reported.Contains(p)))
        {
            log.LogWarning("skipped: {Problem}", problem);
        }

        reported = problems;
        return model;
    }
}
