using System.Text.Json.Nodes;
using k8s.Models;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Tests.FakeApi;
using Xunit;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Watch;

/// <summary>
/// Objects the typed model cannot hold (a port that is a string), sent by the fake API server
/// in lists and watch events to the real informers: each is skipped alone, named once, counted,
/// and never stops the rest of its resource.
/// </summary>
public sealed class UndecodableObjectTests : IAsyncLifetime
{
    private static readonly InformerOptions Fast = new() { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(300) };

    private readonly CancellationTokenSource stop = new();
    private readonly LinesLogger log = new();
    private FakeApiServer server = null!;
    private KubernetesSource source = null!;
    private Task running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        server = await FakeApiServer.StartAsync();
        server.Apply(Node("node-1", "192.168.56.11"));
        server.Apply(Service("web", 1));
        server.Apply(Slice("web", "10.244.1.5"));
    }

    public async Task DisposeAsync()
    {
        stop.Cancel();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);
        await server.DisposeAsync();
    }

    private IInformerStats Services => source.Informers.Single(i => i.Name == "services");

    private string[] ServiceNames => [.. source.Snapshot()!.Services.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task APoisonedServiceInTheListIsSkippedAloneAlsoAfterARelist()
    {
        server.ApplyBent(Service("poison", 2), PortAsText);
        Start();
        await Eventually(() => source.HasSynced);

        Assert.Equal(["web"], ServiceNames);
        Assert.Equal(1, Services.Undecodable);
        var warning = Assert.Single(log.Warnings, l => l.Contains("poison", StringComparison.Ordinal));
        Assert.Contains("Service default/poison: cannot be decoded", warning, StringComparison.Ordinal);

        // Changes still flow, through the watch and through a relist (where the poison is again).
        server.Apply(Service("api", 3));
        await Eventually(() => ServiceNames.Contains("api"));
        server.DisconnectWatches();
        server.ExpireHistory();
        server.Apply(Service("late", 4));
        await Eventually(() => ServiceNames.Contains("late"));

        Assert.True(Services.Relists >= 1);
        Assert.Equal(["api", "late", "web"], ServiceNames);
        // Named once while it stays bad, not at every relist.
        Assert.Single(log.Warnings, l => l.Contains("poison", StringComparison.Ordinal));
        Assert.Equal(1, Services.Undecodable);
    }

    [Fact]
    public async Task AServiceModifiedIntoPoisonLosesItsOldVersionAndAPoisonedDeleteStillDeletes()
    {
        server.Apply(Service("doomed", 2));
        Start();
        await Eventually(() => source.HasSynced && ServiceNames.Length == 2);

        // Its old version would keep rules (ports, IPs) the object no longer has: it goes.
        server.ApplyBent(Service("web", 1), PortAsText);
        await Eventually(() => ServiceNames.SequenceEqual(["doomed"]));
        Assert.Equal(1, Services.Undecodable);

        server.ApplyBent(Service("doomed", 2), PortAsText);
        server.Delete<V1Service>("default", "doomed");
        server.Apply(Service("after", 3));
        await Eventually(() => ServiceNames.SequenceEqual(["after"]));

        // Fixed, it is back.
        server.Apply(Service("web", 1));
        await Eventually(() => ServiceNames.SequenceEqual(["after", "web"]));
    }

    [Fact]
    public async Task AnObjectWithoutReadableMetadataIsCountedAndTheStreamGoesOn()
    {
        Start();
        await Eventually(() => source.HasSynced);

        server.ApplyBent(Service("nameless", 2), json => Edit(json, o => o["metadata"] = 42));
        server.Apply(Service("next", 3));

        await Eventually(() => ServiceNames.Contains("next"));
        Assert.Equal(1, Services.Undecodable);
        Assert.Contains(log.Warnings, l => l.Contains("Service (no readable name): cannot be decoded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHostileNameIsLoggedWithItsControlCharactersEscaped()
    {
        server.ApplyBent(Service("evil\nWarning: forged line\u001b[2J", 2), PortAsText);
        Start();
        await Eventually(() => source.HasSynced);

        var warning = Assert.Single(log.Warnings, l => l.Contains("evil", StringComparison.Ordinal));
        Assert.Contains(@"default/evil\nWarning: forged line\u001b[2J", warning, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', warning);
        Assert.DoesNotContain('\u001b', warning);
        Assert.Equal(["web"], ServiceNames);
    }

    [Fact]
    public async Task AnUndecodableSliceLeavesTheOtherSlicesAndTheOtherResourcesAlone()
    {
        server.Apply(Service("api", 2));
        server.ApplyBent(Slice("api", "10.244.1.6"), json => Edit(json, o => o["endpoints"]![0]!["conditions"]!["ready"] = "yes"));
        Start();
        await Eventually(() => source.HasSynced);

        var snapshot = source.Snapshot()!;
        Assert.Equal(["web-abc"], snapshot.EndpointSlices.Select(s => s.Metadata.Name));
        Assert.Equal(["api", "web"], ServiceNames);
        Assert.Equal(1, source.Informers.Single(i => i.Name == "endpointslices").Undecodable);
        Assert.Equal(0, Services.Undecodable);
    }

    /// <summary>The issue's poison pill: a Service port that is the string "eighty".</summary>
    private static string PortAsText(string json) => Edit(json, o => o["spec"]!["ports"]![0]!["port"] = "eighty");

    private static string Edit(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    private Task Eventually(Func<bool> condition) => Poll.UntilAsync(condition, running);

    private void Start()
    {
        source = KubernetesSource.Create(server.NewClient(), "node-1", Fast, new ChangeTracker(TimeProvider.System), log);
        running = source.RunAsync(stop.Token);
    }
}
