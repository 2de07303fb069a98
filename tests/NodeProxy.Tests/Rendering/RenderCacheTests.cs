using System.Collections.Immutable;
using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Tests.Diff;
using Xunit;

namespace NodeProxy.Tests.Rendering;

/// <summary>A render through the cache must always be the plain render, whatever changed since the last one.</summary>
public sealed class RenderCacheTests
{
    [Theory]
    [MemberData(nameof(GoldenTests.Cases), MemberType = typeof(GoldenTests))]
    public void EveryGoldenCaseRendersTheSameThroughTheCacheAndTheSecondTimeFromIt(string name)
    {
        var pipeline = TestPipeline.FromGoldenCase(name);
        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
        {
            var model = pipeline.Model.For(family);
            var cache = new RenderCache();
            Assert.Equal(Text(Renderer.Render(model)), Text(cache.Render(model)));
            Assert.Equal(model.Services.Length, cache.LastRendered);

            // The model rebuilt from scratch (new arrays, new records) is still recognised.
            var rebuilt = TestPipeline.FromGoldenCase(name).Model.For(family);
            Assert.Equal(Text(Renderer.Render(model)), Text(cache.Render(rebuilt)));
            Assert.Equal(0, cache.LastRendered);
        }
    }

    [Fact]
    public void OneChangedEndpointRendersOneServiceAfresh()
    {
        var model = SyntheticModel.Create(500);
        var cache = new RenderCache();
        cache.Render(model);

        var changed = SyntheticModel.Replace(model, 321, p => p with { ClusterEndpoints = p.ClusterEndpoints.RemoveAt(2) });

        Assert.Equal(Text(Renderer.Render(changed)), Text(cache.Render(changed)));
        Assert.Equal(1, cache.LastRendered);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ARandomWalkOfChangesRendersAndDiffsAsWithoutAnyCache(int seed)
    {
        var random = new Random(seed);
        var mix = new ClusterMix(NodePortEvery: 3, AffinityEvery: 5, LocalEvery: 4);
        // 96 services x 10 endpoints sit just under the 1,000-endpoint line where comments go,
        // so adding and removing services crosses it both ways.
        var model = SyntheticModel.Create(96, mix: mix);
        var next = 96;
        var cache = new RenderCache();
        var applied = KernelTables.Empty;
        for (var step = 0; step < 150; step++)
        {
            // Sometimes several changes in one sync, as a busy cluster coalesces them.
            for (var change = random.Next(4) == 0 ? 3 : 1; change > 0; change--)
            {
                model = Mutate(model, random, mix, ref next);
            }

            var wanted = cache.Render(model);
            Assert.Equal(Text(Renderer.Render(model)), Text(wanted));

            // The differ passes over chain instances it applied last time without reading them;
            // the batch must be the one a rule-by-rule comparison with the same kernel gives.
            var batch = Differ.Diff(applied, wanted);
            Assert.Equal(Differ.Diff(Forgetful(applied), wanted).Text, batch.Text);
            applied = batch.After;
        }
    }

    [Fact]
    public void AnEndpointChangeLeavesEveryChainOfTheOtherPortsTheSameInstance()
    {
        // What lets a sync at 10k services skip the rest: the differ passes over the same instances.
        var model = SyntheticModel.Create(500, mix: new ClusterMix(NodePortEvery: 3, AffinityEvery: 5, LocalEvery: 4));
        var cache = new RenderCache();
        var before = cache.Render(model).Find("nat")!.Chains;

        var changed = SyntheticModel.Replace(model, 321, p => p with { ClusterEndpoints = p.ClusterEndpoints.RemoveAt(2) });
        var after = cache.Render(changed).Find("nat")!.Chains;

        var renewed = after.Where(c => !before.Contains(c, ReferenceEqualityComparer.Instance)).Select(c => c.Name).Order().ToList();
        // Its dispatch entry reads the same (it jumps to the same chain), so even its bucket stays.
        Assert.Equal([ChainNames.ClusterChain(changed.Services[321])], renewed);
        Assert.Equal(1, cache.LastRendered);
    }

    [Fact]
    public void AKernelStateWithOtherChainsIsNotTakenForTheTableItHeld()
    {
        var wanted = Renderer.Render(SyntheticModel.Create(5));
        var held = KernelTables.From(wanted).Table("nat");
        Assert.NotNull(held.Source);

        var edited = held with { Chains = held.Chains.SetItem(held.Chains.Keys.First(), ["-j ACCEPT"]) };

        Assert.Null(edited.Source);
    }

    /// <summary>The same kernel state without the memory of which rendered table it holds.</summary>
    private static KernelTables Forgetful(KernelTables state) =>
        new(state.Tables.ToImmutableDictionary(t => t.Key, t => new TableState(t.Value.Chains, t.Value.Jumps)));

    [Fact]
    public void TheEqualityUsedByTheCacheCoversEveryFieldOfAServicePort()
    {
        // A field added to ServicePort must be added to ServicePortEquality too, or the cache
        // would keep serving a port's old rules after only that field changed.
        var covered = new[]
        {
            "Name", "Protocol", "ClusterIP", "Port", "NodePort", "ExternalIPs", "LoadBalancerIPs", "SourceRanges", "ExternalPolicyLocal",
            "InternalPolicyLocal", "AffinitySeconds", "HealthCheckNodePort", "ClusterEndpoints", "LocalEndpoints", "HasEndpoints", "ServingEndpoints",
            "ExternallyAccessible", "UsesClusterEndpoints", "UsesLocalEndpoints",
        };
        Assert.Equal(covered.Order(), typeof(ServicePort).GetProperties().Select(p => p.Name).Where(n => n != "EqualityContract").Order());
        Assert.Equal(
            ["Address", "IsLocal", "NodeHints", "NodeName", "Port", "Ready", "Serving", "Terminating", "ZoneHints"],
            typeof(Endpoint).GetProperties().Select(p => p.Name).Where(n => n != "EqualityContract").Order());

        var port = SyntheticModel.Service(3);
        Assert.True(ServicePortEquality.Instance.Equals(port, port with { ClusterEndpoints = [.. port.ClusterEndpoints] }));
        Assert.False(ServicePortEquality.Instance.Equals(port, port with { ClusterEndpoints = port.ClusterEndpoints.SetItem(0, port.ClusterEndpoints[0] with { Serving = false }) }));
        Assert.False(ServicePortEquality.Instance.Equals(port, port with { SourceRanges = [IpNet.Parse("10.0.0.0/8")] }));
        Assert.False(ServicePortEquality.Instance.Equals(port, port with { ClusterEndpoints = port.ClusterEndpoints.SetItem(0, port.ClusterEndpoints[0] with { ZoneHints = ["a"] }) }));
    }

    private static NodeModel Mutate(NodeModel model, Random random, ClusterMix mix, ref int next)
    {
        var index = random.Next(model.Services.Length);
        var fresh = next++;
        return random.Next(10) switch
        {
            0 => model with { Services = model.Services.Add(SyntheticModel.Service(fresh, mix: mix)) },
            1 when model.Services.Length > 1 => model with { Services = model.Services.RemoveAt(index) },
            2 => SyntheticModel.Replace(model, index, p => p with
            {
                ClusterEndpoints = p.ClusterEndpoints.IsEmpty ? p.ClusterEndpoints : p.ClusterEndpoints.RemoveAt(random.Next(p.ClusterEndpoints.Length)),
            }),
            3 => SyntheticModel.Replace(model, index, p => p with
            {
                ClusterEndpoints = p.ClusterEndpoints.Add(SyntheticModel.Endpoint(fresh, 0, onThisNode: random.Next(2) == 0)),
            }),
            4 => SyntheticModel.Replace(model, index, p => p with { AffinitySeconds = p.AffinitySeconds is null ? 60 : null }),
            5 => SyntheticModel.Replace(model, index, p => p with { NodePort = p.NodePort is null ? 31000 + index : null, ExternalPolicyLocal = false }),
            6 => model with { MasqueradeAll = !model.MasqueradeAll },
            7 => SyntheticModel.Replace(model, index, p => p with { HasEndpoints = !p.HasEndpoints, ClusterEndpoints = [], LocalEndpoints = [] }),
            // A pod with a hostPort comes or goes: its IP joins the hairpin list.
            8 => model with
            {
                HostPorts = model.HostPorts.IsEmpty
                    ? [new HostPortMapping("default", $"pod-{fresh}", System.Net.IPAddress.Parse($"10.0.0.{(fresh % 200) + 20}"), Protocol.Tcp, 8080, 80)]
                    : [],
            },
            // A rebuilt model: same content, every record and array new.
            _ => model with { Services = [.. model.Services.Select(p => p with { ClusterEndpoints = [.. p.ClusterEndpoints.Select(e => e with { })] })] },
        };
    }

    private static string Text(RuleSet rules) => RestoreText.Write(rules);
}
