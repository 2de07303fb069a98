using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Apply;
using NodeProxy.Health;
using NodeProxy.Net;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;
using NodeProxy.Tests.FakeApi;
using NodeProxy.Tests.Watch;
using Xunit;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Operate;

/// <summary>
/// Each part of the agent fails with an exception nobody planned for; /livez and /healthz, asked
/// over HTTP, tell what a kubelet and an operator must know: retried (healthz says why while it
/// lasts), or dead (livez fails, so the pod is restarted).
/// </summary>
public sealed class PartFailureTests : IAsyncLifetime
{
    private static readonly InformerOptions Fast = new() { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(300) };

    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> running = [];
    private FakeApiServer server = null!;

    public async Task InitializeAsync()
    {
        server = await FakeApiServer.StartAsync();
        server.Apply(Node("node-1", "192.168.56.11"));
        server.Apply(Service("web", 1));
    }

    public async Task DisposeAsync()
    {
        stop.Cancel();
        await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task AnInformerFailingWithAnUnexpectedExceptionIsRetriedAndHealthzSaysWhyUntilItRecovers()
    {
        var fault = new ThrowingHandler(() => new InvalidCastException("injected between client and server"));
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress }, fault);
        var parts = new PartsHealth(NullLogger.Instance);
        var source = KubernetesSource.Create(client, "node-1", Fast, new ChangeTracker(TimeProvider.System), NullLogger.Instance);
        var health = Health(parts, source, TimeSpan.FromSeconds(1));
        Start(source, parts);
        using var endpoint = new HealthEndpoint(health, parts, stop.Token);

        var body = await endpoint.UntilAsync("/healthz", 503);
        Assert.Contains("services: not listed in", body, StringComparison.Ordinal);
        Assert.Contains("InvalidCastException: injected between client and server", body, StringComparison.Ordinal);
        Assert.Contains("\"healthy\":false", body, StringComparison.Ordinal);
        // Retried, not dead: a restart would not help, so the kubelet is not asked for one.
        Assert.Equal(200, (await endpoint.GetAsync("/livez")).Code);
        Assert.True(source.Informers.Single(i => i.Name == "services").Errors["InvalidCastException"] >= 2);

        fault.Failing = false;
        body = await endpoint.UntilAsync("/healthz", 200);
        Assert.True(source.HasSynced);
        Assert.DoesNotContain("problems", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWatchThatKeepsFailingRightAfterBeingAcceptedFailsHealthz()
    {
        var parts = new PartsHealth(NullLogger.Instance);
        var source = KubernetesSource.Create(server.NewClient(), "node-1", Fast, new ChangeTracker(TimeProvider.System), NullLogger.Instance);
        var health = Health(parts, source, TimeSpan.FromSeconds(2));
        using var endpoint = new HealthEndpoint(health, parts, stop.Token);
        Start(source, parts);
        await Poll.UntilAsync(() => source.HasSynced, Task.WhenAll(running));
        Assert.Equal(200, (await endpoint.GetAsync("/healthz")).Code);

        // Each watch gets its 200, then an ERROR event: accepted, yet never working.
        server.FailWatches(500);
        server.DisconnectWatches();

        var body = await endpoint.UntilAsync("/healthz", 503);
        Assert.Contains("services: not in step with the API server for", body, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", body, StringComparison.Ordinal);
        server.FailWatches(null);
        await endpoint.UntilAsync("/healthz", 200);
    }

    [Fact]
    public async Task AnInformerLoopThatDiesMakesLivezAndHealthzFail()
    {
        // The one place an informer cannot survive: its own failure path throws.
        var log = new LinesLogger { ThrowOnWarning = () => new ApplicationException("the log exploded") };
        var parts = new PartsHealth(NullLogger.Instance);
        var source = KubernetesSource.Create(server.NewClient(), "node-1", Fast, new ChangeTracker(TimeProvider.System), log);
        var health = Health(parts, source, TimeSpan.FromMinutes(2));
        using var endpoint = new HealthEndpoint(health, parts, stop.Token);
        Assert.Equal(200, (await endpoint.GetAsync("/livez")).Code);

        server.SetAvailable(false);
        Start(source, parts);

        var livez = await endpoint.UntilAsync("/livez", 503);
        Assert.Contains("the services informer died (ApplicationException: the log exploded)", livez, StringComparison.Ordinal);
        Assert.Equal(503, (await endpoint.GetAsync("/healthz")).Code);
    }

    [Fact]
    public async Task ASyncLoopThatThrowsAnUnexpectedExceptionMakesLivezAndHealthzFail()
    {
        var parts = new PartsHealth(NullLogger.Instance);
        var health = new ProxyHealth([IpFamily.V4], TimeSpan.FromSeconds(1), TimeProvider.System) { Parts = parts };
        using var endpoint = new HealthEndpoint(health, parts, stop.Token);
        var loop = new SyncLoop(() => throw new NotSupportedException("a model no one foresaw"), new Syncer([], new ConntrackTool(), NullLogger.Instance),
            new SyncLoopOptions(), TimeProvider.System, NullLogger.Instance);
        Assert.Equal(200, (await endpoint.GetAsync("/livez")).Code);

        // A change waits for the loop, which fails at every turn or dies at the first.
        health.Queued();
        var syncing = loop.RunAsync(stop.Token);
        running.Add(syncing);
        parts.Watch("the sync loop", syncing, stop.Token);

        var livez = await endpoint.UntilAsync("/livez", 503);
        Assert.Contains("\"healthy\":false", livez, StringComparison.Ordinal);
        Assert.Equal(503, (await endpoint.GetAsync("/healthz")).Code);
    }

    private static ProxyHealth Health(PartsHealth parts, KubernetesSource source, TimeSpan staleAfter) =>
        new([IpFamily.V4], TimeSpan.FromMinutes(1), TimeProvider.System)
        {
            Parts = parts,
            Freshness = new SourceFreshness(source.Informers, staleAfter, TimeProvider.System),
        };

    private void Start(KubernetesSource source, PartsHealth parts)
    {
        foreach (var (name, informer) in source.Start(stop.Token))
        {
            running.Add(informer);
            parts.Watch($"the {name} informer", informer, stop.Token);
        }
    }

    /// <summary>Between the client and the server, throws what it is told while <see cref="Failing"/>.</summary>
    private sealed class ThrowingHandler(Func<Exception> fault) : DelegatingHandler
    {
        public volatile bool Failing = true;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Failing ? throw fault() : base.SendAsync(request, cancellationToken);
    }
}
