using System.Collections.Immutable;
using System.Net;
using CsCheck;
using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Tests.Rendering;
using Xunit;

namespace NodeProxy.Tests.Kernel;

/// <summary>
/// Defence in depth: whatever strings reach the model (validation bypassed, a bug, a future
/// field), the kernel ends up holding exactly the rules NodeProxy rendered, nothing more, and the
/// next sync finds nothing to write. Every string a comment carries (namespace, name, port name,
/// pod namespace and name) is hostile here, and every kind of rule that carries one is rendered.
/// </summary>
public sealed class HostileNamesTests
{
    // Each sample holds up to 5 services and 2 hostPorts: about 75 hostile services per backend.
    private const int Samples = 25;

    private static readonly string[] Builtins = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

    private static readonly Gen<HostileService> Service =
        Gen.Select(HostileText.Any, HostileText.Any, HostileText.Any, Gen.Bool, Gen.Bool,
            (ns, name, port, udp, endpoints) => new HostileService(ns, name, port, udp ? Protocol.Udp : Protocol.Tcp, endpoints));

    private static readonly Gen<HostilePod> Pod = Gen.Select(HostileText.Any, HostileText.Any, (ns, name) => new HostilePod(ns, name));

    private static readonly Gen<(HostileService[] Services, HostilePod[] Pods)> Sample =
        Gen.Select(Service.Array[1, 5], Pod.Array[0, 2]);

    [Theory]
    [InlineData("nft", 4)]
    [InlineData("legacy", 4)]
    [InlineData("nft", 6)]
    public async Task TheKernelHoldsExactlyTheRenderedRulesAndASecondSyncWritesNothing(string backend, int family)
    {
        var tool = family == 4 ? "iptables" : "ip6tables";
        await using var ns = await NetworkNamespace.CreateAsync();

        // One namespace for all samples: each is reached by a diff from the one before, so rule
        // deletions (-D with the kernel's own comment text) are exercised as well as additions.
        await Sample.SampleAsync(
            sample => SyncAndCheck(ns, tool, backend, Model((IpFamily)family, sample.Services, sample.Pods)),
            iter: Samples, threads: 1, print: Describe);
    }

    /// <summary>The issue's own findings, each of which wrote rules of the name's choosing.</summary>
    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task KnownInjectionsWriteNothingOfTheirOwn(string backend)
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        HostileService[] services =
        [
            new("default", "svc\n-A NP-SERVICES -j ACCEPT\n#", "http", Protocol.Tcp, true),
            new("default", "svc", "http\n-A NP-NODEPORTS -j ACCEPT\n#", Protocol.Udp, false),
            new("default\0-A NP-SERVICES -j ACCEPT", "svc", "http", Protocol.Tcp, true),
            new("ns", "svc", "p\" -j ACCEPT -m comment --comment \"", Protocol.Tcp, true),
            new("ns", new string('a', 300), "http", Protocol.Tcp, true),
            new("ns", "caf\u00e9\ud800\U0001F600", "h\\", Protocol.Tcp, true),
        ];
        HostilePod[] pods = [new("ns", "pod\n-A INPUT -j ACCEPT\n#"), new("ns", new string('p', 253))];

        await SyncAndCheck(ns, "iptables", backend, Model(IpFamily.V4, services, pods));
    }

    private static async Task SyncAndCheck(NetworkNamespace ns, string tool, string backend, NodeModel model)
    {
        var wanted = Renderer.Render(model);
        await ns.RunAsync($"{tool}-{backend}-restore", ["--test", "--noflush"], RestoreText.Write(wanted));

        var batch = Differ.Diff(SaveParser.Parse(await ns.RunAsync($"{tool}-{backend}-save", [])), wanted);
        await ns.RunAsync($"{tool}-{backend}-restore", ["--noflush", "--wait"], batch.Text);

        var saved = await ns.RunAsync($"{tool}-{backend}-save", []);
        AssertNothingButTheRenderedRules(wanted, saved);
        DiffConvergenceTests.AssertSame(KernelTables.From(wanted), SaveParser.Parse(saved), "hostile names");
        var second = Differ.Diff(SaveParser.Parse(saved), wanted);
        Assert.True(second.IsEmpty, $"a second sync would write:\n{second.Text}");
    }

    /// <summary>
    /// Reads iptables-save line by line, not through SaveParser (which skips what NodeProxy does
    /// not own): no table, chain or rule beyond the rendered ones, in any chain.
    /// </summary>
    private static void AssertNothingButTheRenderedRules(RuleSet wanted, string saved)
    {
        var tables = new Dictionary<string, (HashSet<string> Chains, Dictionary<string, int> Rules)>();
        (HashSet<string> Chains, Dictionary<string, int> Rules)? current = null;
        foreach (var line in saved.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                current = tables[line[1..]] = ([], []);
            }
            else if (line.StartsWith(':'))
            {
                current!.Value.Chains.Add(line[1..line.IndexOf(' ')]);
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var chain = line[3..line.IndexOf(' ', 3)];
                current!.Value.Rules[chain] = current.Value.Rules.GetValueOrDefault(chain) + 1;
            }
            else if (line.Length > 0 && line != "COMMIT" && !line.StartsWith('#'))
            {
                Assert.Fail($"unexpected line {line} in iptables-save:\n{saved}");
            }
        }

        Assert.True(wanted.Tables.Select(t => t.Name).Order().SequenceEqual(tables.Keys.Order()), $"tables differ:\n{saved}");
        foreach (var table in wanted.Tables)
        {
            var (chains, rules) = tables[table.Name];
            var expectedChains = table.Chains.Select(c => c.Name).Concat(Builtins.Where(chains.Contains));
            Assert.True(expectedChains.Order(StringComparer.Ordinal).SequenceEqual(chains.Order(StringComparer.Ordinal)), $"{table.Name}: chains differ:\n{saved}");

            var expectedRules = table.Chains.Where(c => c.Rules.Length > 0).Select(c => $"{c.Name} {c.Rules.Length}")
                .Concat(table.Jumps.GroupBy(j => j.BuiltinChain).Select(g => $"{g.Key} {g.Count()}"));
            var actualRules = rules.Select(r => $"{r.Key} {r.Value}");
            Assert.True(expectedRules.Order(StringComparer.Ordinal).SequenceEqual(actualRules.Order(StringComparer.Ordinal)), $"{table.Name}: rules per chain differ:\n{saved}");
        }
    }

    private static NodeModel Model(IpFamily family, HostileService[] services, HostilePod[] pods)
    {
        var ports = services.DistinctBy(s => (s.Namespace, s.Name, s.Port, s.Protocol)).Select((s, i) => Port(family, s, i));
        return new NodeModel(family, "node-0", 0x4000)
        {
            NodeIPs = [Address(family, 1, 2)],
            PodCidr = IpNet.FromPrefix(Address(family, 2, 0), family == IpFamily.V4 ? 16 : 64),
            Services = [.. ports],
            HostPorts = [.. pods.Select((p, j) => new HostPortMapping(p.Namespace, p.Name, Address(family, 2, 200 + j), Protocol.Tcp, 8080 + j, 80))],
        };
    }

    // Every kind of rule whose comment carries the name: cluster IP, NodePort, external IP,
    // load balancer IP behind source ranges, externalTrafficPolicy Local with its health check
    // node port, affinity, endpoints here (hairpin) and elsewhere, or no endpoints at all.
    private static ServicePort Port(IpFamily family, HostileService service, int i)
    {
        var local = i % 2 == 0;
        ImmutableArray<Endpoint> endpoints = service.HasEndpoints
            ? [new(Address(family, 2, 10 + i), 8080, "node-0", true), new(Address(family, 3, 10 + i), 8080, "node-1", false)]
            : [];
        return new ServicePort(new ServicePortName(service.Namespace, service.Name, service.Port), service.Protocol, Address(family, 4, 10 + i), 80 + i)
        {
            NodePort = 30000 + i,
            ExternalIPs = [Address(family, 5, 10 + i)],
            LoadBalancerIPs = [Address(family, 6, 10 + i)],
            SourceRanges = [IpNet.FromPrefix(Address(family, 7, 0), family == IpFamily.V4 ? 24 : 64)],
            ExternalPolicyLocal = local,
            HealthCheckNodePort = local ? 32000 + i : null,
            AffinitySeconds = i % 3 == 0 ? 10800 : null,
            HasEndpoints = service.HasEndpoints,
            ClusterEndpoints = endpoints,
            LocalEndpoints = local ? [.. endpoints.Where(e => e.IsLocal)] : [],
            ServingEndpoints = endpoints,
        };
    }

    private static IPAddress Address(IpFamily family, int network, int host) => family == IpFamily.V4
        ? new IPAddress([10, (byte)network, 0, (byte)host])
        : IPAddress.Parse($"fd00:{network}::{host:x}");

    private static string Describe((HostileService[] Services, HostilePod[] Pods) sample) =>
        string.Join("; ", sample.Services.Select(s => $"{Escape(s.Namespace)}/{Escape(s.Name)}:{Escape(s.Port)} {s.Protocol}{(s.HasEndpoints ? "" : " no endpoints")}")
            .Concat(sample.Pods.Select(p => $"pod {Escape(p.Namespace)}/{Escape(p.Name)}")));

    private static string Escape(string text) =>
        "\"" + string.Concat(text.Select(c => c is >= ' ' and <= '~' and not ('"' or '\\') ? c.ToString() : $"\\u{(int)c:x4}")) + "\"";

    private sealed record HostileService(string Namespace, string Name, string Port, Protocol Protocol, bool HasEndpoints);

    private sealed record HostilePod(string Namespace, string Name);
}
