using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Rendering;
using NodeProxy.Sources;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Tests.FakeApi;
using Xunit;

namespace NodeProxy.Tests.Hostile;

/// <summary>
/// The decodable hostile objects served by an API server that does not validate them (the fake
/// one, through the real KubernetesClient and informers): the model refuses the same objects
/// for the same reasons as from manifests, and renders only the valid ones.
/// </summary>
public sealed class HostileApiTests
{
    private static readonly InformerOptions Fast = new() { MinBackoff = TimeSpan.FromMilliseconds(300), MaxBackoff = TimeSpan.FromSeconds(1) };

    [Theory]
    [InlineData("injection")]
    [InlineData("addresses")]
    [InlineData("numbers")]
    public async Task AnApiServerThatValidatesNothingGetsTheSameRefusals(string name)
    {
        var hostile = HostileCase.Named(name);
        var (wantedV4, _, _) = hostile.ValidRules();
        var objects = ManifestSource.Load(hostile.Input, trim: false).Snapshot;
        await using var server = await FakeApiServer.StartAsync();
        server.ApplyMany([
            .. objects.Services, .. objects.Pods, .. objects.Nodes,
            .. objects.EndpointSlices.Where(s => s.Metadata.Labels?.ContainsKey(PodEndpointSlices.ManagedByLabel) != true),
        ]);
        using var stop = new CancellationTokenSource();
        var source = KubernetesSource.Create(server.NewClient(), "node-1", Fast, new ChangeTracker(TimeProvider.System), NullLogger.Instance);
        var running = source.RunAsync(stop.Token);

        await Poll.UntilAsync(() => source.HasSynced, running);
        var model = ModelBuilder.Build(source.Snapshot()!, TestPipeline.ParseFlags(hostile.FlagText));
        await stop.CancelAsync();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.Equal(wantedV4, OwnedRules.Of(Renderer.Render(model.V4)));
        Assert.Equal(
            hostile.Refusals.Select(r => $"{r.Kind} {r.Object} {r.Reason}").Order(StringComparer.Ordinal),
            model.Problems.Select(p => $"{p.Kind} {LogText.Escape(p.Object)} {p.Reason}").Order(StringComparer.Ordinal));
    }
}
