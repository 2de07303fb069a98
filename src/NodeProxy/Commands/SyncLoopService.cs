using Microsoft.Extensions.Hosting;
using NodeProxy.Sources;

namespace NodeProxy.Commands;

/// <summary>
/// The sync loop, from the first sync to the host's stop, which it honours between syncs. A loop
/// that ends before that has died for good and stops the host, so that the kubelet restarts it.
/// </summary>
internal sealed class SyncLoopService(Agent agent, RunSettings settings) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        agent.Changes.Dirty += agent.Loop.Trigger;
        using var watcher = settings.Source is { } source ? new ManifestWatcher(source, () => agent.Changes.Changed(null)) : null;
        var syncing = agent.Loop.RunAsync(stoppingToken);
        agent.Parts.Watch("the sync loop", syncing, stoppingToken);
        await syncing;
        stoppingToken.ThrowIfCancellationRequested();
        throw new InvalidOperationException("the sync loop returned");
    }
}
