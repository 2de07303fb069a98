using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NodeProxy.Commands;

/// <summary>The metrics and health servers and the health check node ports, from start to stop.</summary>
internal sealed class ListenersService(Agent agent, RunSettings settings, ILoggerFactory logs, IHostApplicationLifetime lifetime) : IHostedService
{
    private Observability? observability;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        observability = new Observability(
            new ObservabilitySettings(settings.Node.NodeName, settings.MetricsAddress, settings.HealthAddress, settings.SyncPeriod, settings.ApiStaleAfter, settings.OpenFiles) { Deadlines = agent.Deadlines },
            agent.Loop, agent.Syncer, agent.Families, agent.Changes, agent.Feed, agent.Api?.Informers ?? [], agent.Parts, logs, agent.Log, lifetime.ApplicationStopping);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        observability?.Dispose();
        return Task.CompletedTask;
    }
}
