using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeProxy.Apply;
using NodeProxy.Commands;
using NodeProxy.Model;
using Xunit;

namespace NodeProxy.Tests.Commands;

/// <summary>
/// `run`'s host as built for the agent, with its own services swapped for stand-ins (the real ones
/// program iptables, which this process must not do in the machine's namespace): what ends it,
/// with which exit code, and what it says.
/// </summary>
public sealed class AgentHostTests
{
    private static readonly RunSettings Valid = new(new NodeConfig("node-1"), "/nonexistent", null, IptablesBackend.Nft,
        TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), TimeSpan.FromHours(1), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(60),
        "127.0.0.1:10249", "0.0.0.0:10256", 1024);

    private readonly Lines lines = new();

    [Fact]
    public async Task AServiceThatDiesForGoodStopsTheHostWithExitCode1AndSaysWhich()
    {
        using var host = Build(Valid, new Dying());
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        Assert.Equal(1, await AgentHost.RunAsync(host, hang.Token));
        Assert.False(hang.IsCancellationRequested, "the host ran on after its service died");
        Assert.Contains(lines, l => l.Contains("Dying failed for good (the watch ended for good); exiting with code 1", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("stopped;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStopRequestEndsWithExitCode0AndTheRulesLeftInPlace()
    {
        var probe = new Probe();
        using var host = Build(Valid, probe);
        using var stop = new CancellationTokenSource();
        var running = AgentHost.RunAsync(host, stop.Token);
        await probe.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        stop.Cancel();

        Assert.Equal(0, await running);
        Assert.True(probe.Stopped);
        Assert.Contains("stopped; the rules stay in the kernel (nodeproxy cleanup removes them)", lines);
    }

    [Theory]
    [InlineData("127.0.0.1:10256", "0.0.0.0:10256", 0, "--metrics-bind-address 127.0.0.1:10256 and --healthz-bind-address 0.0.0.0:10256 take the same port: give each its own")]
    [InlineData("[::1]:9000", "[::1]:9000", 0, "take the same port")]
    [InlineData("127.0.0.1:10249", "0.0.0.0:10256", 31, "--min-sync-period (31s) is longer than --sync-period (30s)")]
    public async Task ContradictorySettingsStopTheStartBeforeAnyServiceWithOneClearLine(string metrics, string health, int minSyncSeconds, string error)
    {
        var settings = Valid with { MetricsAddress = metrics, HealthAddress = health };
        if (minSyncSeconds > 0)
        {
            settings = settings with { MinSyncPeriod = TimeSpan.FromSeconds(minSyncSeconds) };
        }

        var probe = new Probe();
        using var host = Build(settings, probe);
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        Assert.Equal(1, await AgentHost.RunAsync(host, hang.Token));
        Assert.False(probe.Started.Task.IsCompleted, "a service started with settings that contradict each other");
        Assert.Contains(lines, l => l.Contains(error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SettingsThatAgreeStartTheServices()
    {
        var probe = new Probe();
        using var host = Build(Valid with { MetricsAddress = "127.0.0.1:10256", HealthAddress = "127.0.0.2:10256" }, probe);
        using var stop = new CancellationTokenSource();
        var running = AgentHost.RunAsync(host, stop.Token);
        await probe.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        stop.Cancel();
        Assert.Equal(0, await running);
    }

    private IHost Build(RunSettings settings, IHostedService standIn) => AgentHost.Build(settings, verbose: false, "simple", services =>
    {
        services.RemoveAll<IHostedService>();
        services.AddSingleton(standIn);
        services.AddSingleton<ILoggerProvider>(lines);
    });

    private sealed class Dying : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(100, stoppingToken);
            throw new InvalidOperationException("the watch ended for good");
        }
    }

    private sealed class Probe : IHostedService
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Stopped { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Stopped = true;
            return Task.CompletedTask;
        }
    }

    /// <summary>Every line the host's loggers write, as formatted text.</summary>
    private sealed class Lines : ConcurrentQueue<string>, ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
