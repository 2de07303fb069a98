using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NodeProxy.Commands;

/// <summary>
/// `nodeproxy run` on the .NET Generic Host: the settings, validated at start; then, started in
/// this order and stopped in reverse, the kernel side (<see cref="Agent"/>), the informers, the
/// listeners and the sync loop. SIGTERM or SIGINT stops the host, leaving the rules in place; a
/// part that dies for good stops it with exit code 1, so that the kubelet restarts the pod.
/// </summary>
internal static class AgentHost
{
    /// <summary>Well inside the DaemonSet's terminationGracePeriodSeconds (30 s), so the kubelet never has to kill the agent.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    public static IHost Build(RunSettings settings, bool verbose, string logFormat, Action<IServiceCollection>? extra = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Logging.ClearProviders();
        Logs.Configure(builder.Logging, verbose, logFormat);
        // Start failures and dead services get one line of ours each (RunAsync), not the host's stack traces.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = ShutdownTimeout;
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });

        builder.Services.AddSingleton<IOptionsFactory<RunSettings>>(s => new ParsedOptions<RunSettings>(settings,
            s.GetServices<IConfigureOptions<RunSettings>>(), s.GetServices<IPostConfigureOptions<RunSettings>>(), s.GetServices<IValidateOptions<RunSettings>>()));
        builder.Services.AddSingleton<IValidateOptions<RunSettings>, RunSettingsValidator>();
        builder.Services.AddOptions<RunSettings>().ValidateOnStart();
        builder.Services.AddSingleton(s => s.GetRequiredService<IOptions<RunSettings>>().Value);
        builder.Services.AddSingleton(s => s.GetRequiredService<ILoggerFactory>().CreateLogger("nodeproxy"));
        builder.Services.AddSingleton<Agent>();
        builder.Services.AddHostedService(s => s.GetRequiredService<Agent>());
        builder.Services.AddHostedService<InformersService>();
        builder.Services.AddHostedService<ListenersService>();
        builder.Services.AddHostedService<SyncLoopService>();
        extra?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>Runs the host to its stop: 0 after a signal, 1 when it could not start or a part died.</summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancel)
    {
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("nodeproxy");
        try
        {
            // Not host.RunAsync: that disposes the host, whose services tell below how it ended.
            await host.StartAsync(cancel);
            await host.WaitForShutdownAsync(cancel);
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                log.LogError("{Error}", failure);
            }

            return 1;
        }
        catch (Exception e) when (e is AgentStartException or IOException)
        {
            log.LogError("{Error}", e.Message);
            return 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Stopped while starting: whatever was written stays, as after any stop.
        }

        var dead = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().Where(s => s.ExecuteTask is { IsFaulted: true }).ToList();
        foreach (var service in dead)
        {
            log.LogCritical("{Service} failed for good ({Error}); exiting with code 1 so that the agent is restarted; the rules stay in the kernel",
                service.GetType().Name, service.ExecuteTask!.Exception!.GetBaseException().Message);
        }

        if (dead.Count > 0)
        {
            return 1;
        }

        // The rules stay: a restarting agent adopts them, and traffic flows meanwhile.
        log.LogInformation("stopped; the rules stay in the kernel (nodeproxy cleanup removes them)");
        return 0;
    }
}
