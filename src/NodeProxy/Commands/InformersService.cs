using Microsoft.Extensions.Hosting;

namespace NodeProxy.Commands;

/// <summary>
/// The informers, one list/watch loop per resource. They retry every failure they expect; one
/// that ends anyway has died for good, and so does the host, so that the kubelet restarts it.
/// </summary>
internal sealed class InformersService(Agent agent) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (agent.Api is not { } api)
        {
            return;
        }

        var informers = api.Start(stoppingToken);
        foreach (var (name, informer) in informers)
        {
            agent.Parts.Watch($"the {name} informer", informer, stoppingToken);
        }

        var ended = await Task.WhenAny(informers.Values);
        stoppingToken.ThrowIfCancellationRequested();
        await ended;
        throw new InvalidOperationException($"the {informers.Single(i => i.Value == ended).Key} informer returned");
    }
}
