using NodeProxy.Model;
using NodeProxy.Sources;

namespace NodeProxy.Commands;

/// <summary>Manifests -> model, with every problem reported on the way, for the offline commands.</summary>
internal sealed record OfflinePipeline(ModelResult Model)
{
    public static OfflinePipeline Run(string source, NodeConfig config, TextWriter log)
    {
        var load = ManifestSource.Load(source);
        var model = ModelBuilder.Build(load.Snapshot, config);
        foreach (var problem in load.Problems.Concat(model.Problems).Distinct())
        {
            log.WriteLine($"warning: {problem}");
        }

        if (load.Snapshot.FindNode(config.NodeName) is null && config.NodeIPs.IsEmpty)
        {
            log.WriteLine($"warning: no Node named '{config.NodeName}' in the manifests and no --node-ip: NodePorts match every local address and endpoints count as remote");
        }

        return new OfflinePipeline(model);
    }
}
