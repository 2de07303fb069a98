using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Apply;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;
using NodeProxy.Tests.FakeApi;
using NodeProxy.Tests.Kernel;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.Watch.ApiObjects;

namespace NodeProxy.Tests.Watch;

/// <summary>After an API server outage, what changed meanwhile reaches the kernel within seconds of its return.</summary>
public sealed class CatchUpTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ChangesMadeDuringAnOutageReachTheKernelWithinSecondsOfTheServersReturn()
    {
        await using var server = await FakeApiServer.StartAsync();
        await using var ns = await NetworkNamespace.CreateAsync();
        server.Apply(Node("node-1", "192.168.56.11"));
        foreach (var (name, index) in new[] { ("kept", 1), ("doomed", 2) })
        {
            server.Apply(Service(name, index));
            server.Apply(Slice(name, $"10.244.{index}.1"));
        }

        // The agent's own defaults: what a node in a real cluster would do.
        var source = KubernetesSource.Create(server.NewClient(), "node-1", new InformerOptions(), new ChangeTracker(TimeProvider.System), NullLogger.Instance);
        var config = new NodeConfig("node-1") { ClusterCidrs = [IpNet.Parse("10.244.0.0/16")] };
        var tables = new IptablesTool(IpFamily.V4, IptablesBackend.Nft, ["ip", "netns", "exec", ns.Name]);
        var syncer = new Syncer([new FamilySyncer(tables)], new ConntrackTool(["ip", "netns", "exec", ns.Name]), NullLogger.Instance);
        var models = new ModelCache();
        var loop = new SyncLoop(() => source.Snapshot() is { } s ? ModelBuilder.Build(s, config, models) : null, syncer, new SyncLoopOptions(), TimeProvider.System, NullLogger.Instance);
        source.Changes.Dirty += loop.Trigger;
        using var stop = new CancellationTokenSource();
        var running = Task.WhenAll(source.RunAsync(stop.Token), loop.RunAsync(stop.Token));
        try
        {
            // Service(name, index) has the cluster IP 10.96.0.(index + 1).
            await Poll.UntilAsync(() => Kernel(tables).Contains("10.96.0.3/32", StringComparison.Ordinal), running, seconds: 20);

            server.SetAvailable(false);
            server.DisconnectWatches();
            await Task.Delay(Outage / 2);
            server.Apply(Service("born", 3));
            server.Apply(Slice("born", "10.244.3.1"));
            server.Delete<V1Service>("default", "doomed");
            server.Delete<V1EndpointSlice>("default", "doomed-abc");
            await Task.Delay(Outage / 2);
            Assert.Contains("10.96.0.3/32", Kernel(tables), StringComparison.Ordinal);
            Assert.DoesNotContain("10.96.0.4/32", Kernel(tables), StringComparison.Ordinal);

            var back = Stopwatch.StartNew();
            server.SetAvailable(true);
            TimeSpan? created = null;
            TimeSpan? deleted = null;
            await Poll.UntilAsync(() =>
            {
                var rules = Kernel(tables);
                created ??= rules.Contains("10.96.0.4/32", StringComparison.Ordinal) ? back.Elapsed : null;
                deleted ??= !rules.Contains("10.96.0.3/32", StringComparison.Ordinal) ? back.Elapsed : null;
                return created is not null && deleted is not null;
            }, running, seconds: 30);

            output.WriteLine($"after a {Outage.TotalSeconds:F0} s outage: created Service in the kernel {created!.Value.TotalSeconds:F1} s, deleted one gone {deleted!.Value.TotalSeconds:F1} s after the API server came back");
            Assert.Contains("10.96.0.2/32", Kernel(tables), StringComparison.Ordinal);
            Assert.InRange(created.Value, TimeSpan.Zero, TimeSpan.FromSeconds(8));
            Assert.InRange(deleted.Value, TimeSpan.Zero, TimeSpan.FromSeconds(8));
        }
        finally
        {
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static string Kernel(IptablesTool tables) => string.Join('\n', OwnedRules.InSave(tables.SaveAsync().Result));
}
