using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Tests.FakeApi;
using Xunit;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Watch;

/// <summary>The informers with the real KubernetesClient against a fake API server speaking the real protocol.</summary>
public sealed class KubernetesSourceTests : IAsyncLifetime
{
    private static readonly InformerOptions Fast = new() { MinBackoff = TimeSpan.FromMilliseconds(300), MaxBackoff = TimeSpan.FromSeconds(1), SilenceTimeout = TimeSpan.FromSeconds(1) };

    private readonly CancellationTokenSource stop = new();
    private FakeApiServer server = null!;
    private KubernetesSource source = null!;
    private Task running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        server = await FakeApiServer.StartAsync();
        server.Apply(Service("web", 1));
        server.Apply(Service("other-proxy", 2, new Dictionary<string, string> { ["service.kubernetes.io/service-proxy-name"] = "someone-else" }));
        server.Apply(Slice("web", "10.244.1.5"));
        server.Apply(Node("node-1", "192.168.56.11"));
        server.Apply(Node("node-2", "192.168.56.12"));
        server.Apply(Pod("here", "node-1", "10.244.1.5", hostPort: 8081));
        server.Apply(Pod("there", "node-2", "10.244.2.5"));
    }

    public async Task DisposeAsync()
    {
        stop.Cancel();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task OneListAndOneWatchPerResourceFilteredLikeKubeProxy()
    {
        // Quiet watches must not be replaced by the watchdog here: this counts watches.
        Start(Fast with { SilenceTimeout = TimeSpan.FromMinutes(5) });
        await Eventually(() => source.HasSynced);

        var snapshot = source.Snapshot()!;
        Assert.Equal(["web"], snapshot.Services.Select(s => s.Metadata.Name));
        Assert.Equal(["node-1"], snapshot.Nodes.Select(n => n.Metadata.Name));
        Assert.Equal(["here"], snapshot.Pods.Select(p => p.Metadata.Name));
        Assert.Single(snapshot.EndpointSlices);
        string[] paths = ["/api/v1/services", "/apis/discovery.k8s.io/v1/endpointslices", "/api/v1/nodes", "/api/v1/pods"];
        // The informers start their watches each on its own, in no set order.
        await Eventually(() => paths.All(p => server.Requests.Watches(p) >= 1));
        foreach (var path in paths)
        {
            Assert.Equal(1, server.Requests.Lists(path));
            Assert.Equal(1, server.Requests.Watches(path));
            var list = server.Requests.All.First(r => r.Path == path && !r.Watch);
            var watch = server.Requests.All.First(r => r.Path == path && r.Watch);
            Assert.Equal("0", list.Parameter("resourceVersion"));
            Assert.Equal("true", watch.Parameter("allowWatchBookmarks"));
            Assert.NotEqual("0", watch.Parameter("resourceVersion"));
        }
    }

    [Fact]
    public async Task CreatesUpdatesAndDeletesFlowIntoTheSnapshot()
    {
        Start();
        await Eventually(() => source.HasSynced);

        server.Apply(Service("api", 3));
        server.Apply(Slice("web", "10.244.1.5", "10.244.2.9"));
        server.Delete<V1Pod>("default", "here");

        await Eventually(() => source.Snapshot() is { } s
            && s.Services.Any(x => x.Metadata.Name == "api")
            && s.EndpointSlices.Single().Endpoints.Count == 2
            && s.Pods.Length == 0);
    }

    [Fact]
    public async Task A410MidWatchRelistsAndDropsWhatVanishedMeanwhile()
    {
        Start();
        // Every watch must be open before it is dropped: a services watch that opened just after the
        // disconnect would be told of the deletion live, and the relist would never be needed.
        await Eventually(() => source.HasSynced && server.OpenWatchCount == 4);

        // The watch drops; while the informer backs off, "web" is deleted and the server's
        // history is compacted past its last version: only a relist can tell it "web" is gone.
        server.DisconnectWatches();
        server.Delete<V1Service>("default", "web");
        server.ExpireHistory();

        await Eventually(() => source.Snapshot()!.Services.Length == 0);
        Assert.Contains(source.Informers, i => i.Name == "services" && i.Relists >= 1);
        Assert.Equal("", server.Requests.All.Last(r => r.Path == "/api/v1/services" && !r.Watch).Parameter("resourceVersion") ?? "");
    }

    [Fact]
    public async Task AnApiServerThatIsDownChangesNothingAndIsCaughtUpWith()
    {
        Start();
        await Eventually(() => source.HasSynced);

        server.SetAvailable(false);
        server.DisconnectWatches();
        await Task.Delay(1500);
        Assert.Equal(["web"], source.Snapshot()!.Services.Select(s => s.Metadata.Name));

        server.Apply(Service("late", 4));
        server.SetAvailable(true);

        await Eventually(() => source.Snapshot()!.Services.Any(s => s.Metadata.Name == "late"));
        Assert.Contains(source.Snapshot()!.Services, s => s.Metadata.Name == "web");
    }

    [Fact]
    public async Task ServerErrorsAreRetriedWithBackoffUntilTheListSucceeds()
    {
        server.FailRequests(3, 500);
        Start();

        await Eventually(() => source.HasSynced);
        Assert.Equal(["web"], source.Snapshot()!.Services.Select(s => s.Metadata.Name));
    }

    [Fact]
    public async Task AStalledWatchIsReplaced()
    {
        Start();
        await Eventually(() => source.HasSynced);
        var watches = server.Requests.Watches("/api/v1/services");

        server.Stall(true);
        server.Apply(Service("during-stall", 5));
        await Task.Delay(1200);
        server.Stall(false);

        // Waited for, not asserted at once: the stalled watch may deliver the event itself once
        // the server resumes, a moment before the watchdog's replacement is counted.
        await Eventually(() => server.Requests.Watches("/api/v1/services") > watches);
        await Eventually(() => source.Snapshot()!.Services.Any(s => s.Metadata.Name == "during-stall"));
    }

    [Fact]
    public async Task NothingIsOfferedBeforeEveryFirstListIsIn()
    {
        server.Stall(true);
        Start();
        await Task.Delay(300);

        Assert.Null(source.Snapshot());
        server.Stall(false);
        await Eventually(() => source.Snapshot() is not null);
    }

    private Task Eventually(Func<bool> condition) => Poll.UntilAsync(condition, running);

    private void Start(InformerOptions? options = null)
    {
        source = KubernetesSource.Create(server.NewClient(), "node-1", options ?? Fast, new ChangeTracker(TimeProvider.System), NullLogger.Instance);
        running = source.RunAsync(stop.Token);
    }

}
