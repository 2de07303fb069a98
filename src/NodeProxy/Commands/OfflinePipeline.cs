using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Sources;
using NodeProxy.Sources.Kubernetes;

namespace NodeProxy.Commands;

/// <summary>
/// Manifests (or one list of each resource from the API) -> model, with every problem reported on
/// the way, for the one-shot commands.
/// </summary>
internal sealed record OfflinePipeline(ModelResult Model)
{
    private static readonly TimeSpan FirstListTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The cluster as read; the model's input.</summary>
    public ClusterSnapshot Snapshot { get; init; } = ClusterSnapshot.Empty;

    /// <summary>Everything skipped while reading and modelling it.</summary>
    public ImmutableArray<Problem> Problems { get; init; } = [];

    public static OfflinePipeline Run(string source, NodeConfig config, TextWriter log)
    {
        var load = ManifestSource.Load(source);
        return Build(load.Snapshot, load.Problems, config, log);
    }

    /// <summary>From <paramref name="source"/> when given, else one list of each resource through the API (--kubeconfig, ...).</summary>
    /// <exception cref="IOException">No API to talk to, or it did not answer every list in time.</exception>
    public static async Task<OfflinePipeline> RunAsync(string? source, string? kubeconfig, NodeConfig config, TextWriter log)
    {
        if (source is not null)
        {
            return Run(source, config, log);
        }

        using var stop = new CancellationTokenSource();
        var api = KubernetesSource.Create(ApiClient.Create(kubeconfig), config.NodeName, new InformerOptions(), new ChangeTracker(TimeProvider.System), NullLogger.Instance);
        var informers = api.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow + FirstListTimeout;
        while (!api.HasSynced && DateTime.UtcNow < deadline && !informers.IsCompleted)
        {
            await Task.Delay(50);
        }

        var snapshot = api.Snapshot();
        await stop.CancelAsync();
        await informers.ContinueWith(_ => { }, TaskScheduler.Default);
        return snapshot is null
            ? throw new IOException($"the API server did not answer every first list within {(int)FirstListTimeout.TotalSeconds} s")
            : Build(snapshot, [], config, log);
    }

    private static OfflinePipeline Build(ClusterSnapshot snapshot, ImmutableArray<Problem> loadProblems, NodeConfig config, TextWriter log)
    {
        var model = ModelBuilder.Build(snapshot, config);
        var problems = loadProblems.AddRange(model.Problems).Distinct().ToImmutableArray();
        foreach (var problem in problems)
        {
            log.WriteLine($"warning: {problem}");
        }

        if (snapshot.FindNode(config.NodeName) is null && config.NodeIPs.IsEmpty)
        {
            log.WriteLine($"warning: no Node named '{config.NodeName}' in the cluster and no --node-ip: NodePorts match every local address and endpoints count as remote");
        }

        return new OfflinePipeline(model) { Snapshot = snapshot, Problems = problems };
    }
}
