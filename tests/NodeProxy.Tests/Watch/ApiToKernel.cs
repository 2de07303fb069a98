using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Apply;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;
using NodeProxy.Tests.FakeApi;
using NodeProxy.Tests.Kernel;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Watch;

/// <summary>
/// The fake API server holding node-1 and N services with one endpoint each, the real informers
/// on it, and a sync loop writing to iptables-nft in a namespace of its own. Subscribe to
/// <see cref="Loop"/> before <see cref="Start"/>; disposing stops it all and removes the namespace.
/// </summary>
internal sealed class ApiToKernel : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly NetworkNamespace ns;

    private ApiToKernel(FakeApiServer server, NetworkNamespace ns, SyncLoopOptions options, IReadOnlyList<string> environment)
    {
        Server = server;
        this.ns = ns;
        Source = KubernetesSource.Create(server.NewClient(), "node-1", new InformerOptions(), Changes, NullLogger.Instance);
        Tables = new IptablesTool(IpFamily.V4, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name, .. environment.Count > 0 ? ["env", .. environment] : Array.Empty<string>()]);
        var syncer = new Syncer([new FamilySyncer(Tables)], new ConntrackTool(["ip", "netns", "exec", ns.Name]), NullLogger.Instance);
        var models = new ModelCache();
        Loop = new SyncLoop(() => Source.Snapshot() is { } s ? ModelBuilder.Build(s, Config, models) : null, syncer, options, TimeProvider.System, NullLogger.Instance);
        Loop.Synced += (report, _) => Reports.Enqueue(report);
        Changes.Dirty += Loop.Trigger;
    }

    public FakeApiServer Server { get; }

    public ChangeTracker Changes { get; } = new(TimeProvider.System);

    public KubernetesSource Source { get; }

    public NodeConfig Config { get; } = new("node-1") { ClusterCidrs = [IpNet.Parse("10.244.0.0/16")] };

    public IptablesTool Tables { get; }

    public SyncLoop Loop { get; }

    public ConcurrentQueue<SyncReport> Reports { get; } = new();

    /// <summary>The informers and the loop; faults when either fails.</summary>
    public Task Running { get; private set; } = Task.CompletedTask;

    /// <param name="environment">NAME=value settings for the iptables commands (a PATH with a wrapper).</param>
    public static async Task<ApiToKernel> CreateAsync(int services, SyncLoopOptions options, IReadOnlyList<string>? environment = null)
    {
        var server = await FakeApiServer.StartAsync();
        server.Apply(Node("node-1", "192.168.56.11"));
        for (var i = 0; i < services; i++)
        {
            server.Apply(Service($"svc{i}", i));
            server.Apply(Slice($"svc{i}", $"10.244.{i}.1"));
        }

        return new ApiToKernel(server, await NetworkNamespace.CreateAsync(), options, environment ?? []);
    }

    /// <summary>Starts the informers and the loop and waits for the first successful sync.</summary>
    public async Task StartAsync()
    {
        Running = Task.WhenAll(Source.RunAsync(stop.Token), Loop.RunAsync(stop.Token));
        await Poll.UntilAsync(() => Reports.Any(r => r.Succeeded), Running, seconds: 20);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Running.ContinueWith(_ => { }, TaskScheduler.Default);
        await ns.DisposeAsync();
        await Server.DisposeAsync();
        stop.Dispose();
    }
}
