using System.Collections.Immutable;
using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;

namespace NodeProxy.Tests.Diff;

/// <summary>
/// Which services of a synthetic cluster carry which feature: every Nth one (0: none). The
/// default is the diff tests' mix; the benchmark picks its own.
/// </summary>
internal sealed record ClusterMix(int NodePortEvery = 3, int AffinityEvery = 7, int LocalEvery = 0)
{
    public override string ToString() =>
        $"1 in {NodePortEvery} a NodePort, 1 in {AffinityEvery} with ClientIP affinity"
        + (LocalEvery > 0 ? $", 1 in {LocalEvery} a NodePort with externalTrafficPolicy Local (2 of its endpoints on this node)" : "");
}

/// <summary>A node model of N services x 10 endpoints, mixed as <see cref="ClusterMix"/> says.</summary>
internal static class SyntheticModel
{
    public const string NodeName = "node-0";

    public static NodeModel Create(int services, int endpointsPerService = 10, ClusterMix? mix = null) =>
        new(IpFamily.V4, NodeName, 0x1000)
        {
            NodeIPs = [IPAddress.Parse("192.168.0.2")],
            PodCidr = IpNet.Parse("10.0.0.0/8"),
            Services = [.. Enumerable.Range(0, services).Select(i => Service(i, endpointsPerService, mix))],
        };

    public static ServicePort Service(int i, int endpoints = 10, ClusterMix? mix = null)
    {
        mix ??= new ClusterMix();
        var local = Every(i, mix.LocalEvery);
        var port = new ServicePort(new ServicePortName($"ns{i % 50}", $"svc{i}", "http"), Protocol.Tcp, ClusterIP(i), 80)
        {
            NodePort = Every(i, mix.NodePortEvery) || local ? NodePortFor(i) : null,
            AffinitySeconds = Every(i, mix.AffinityEvery) ? 10800 : null,
            ExternalPolicyLocal = local,
            HealthCheckNodePort = local ? HealthCheckNodePortFor(i, mix.LocalEvery) : null,
            HasEndpoints = true,
        };
        var all = Enumerable.Range(0, endpoints).Select(e => Endpoint(i, e, onThisNode: local && e < 2)).ToImmutableArray();
        return port with
        {
            ClusterEndpoints = all,
            LocalEndpoints = local ? [.. all.Where(e => e.IsLocal)] : [],
            ServingEndpoints = all,
        };
    }

    /// <summary>
    /// Node ports are allocated one per number cluster-wide (the agent refuses a second Service on
    /// one), so every service that has one gets its own, health check ports included: up to 30k
    /// services fit in this range, wider than the API server's default 30000-32767, as a cluster
    /// with thousands of NodePort Services must configure.
    /// </summary>
    public const string NodePortRange = "20000-59999";

    /// <summary>Service i's node port: 20000-49999.</summary>
    public static int NodePortFor(int service) =>
        service < 30_000 ? 20000 + service : throw new ArgumentOutOfRangeException(nameof(service), $"at most 30k services have node ports of their own in {NodePortRange}");

    /// <summary>A Local service's health check port, 50000-59999: one in <paramref name="localEvery"/> services is Local.</summary>
    public static int HealthCheckNodePortFor(int service, int localEvery) =>
        service / localEvery < 10_000 ? 50000 + (service / localEvery) : throw new ArgumentOutOfRangeException(nameof(service), $"at most 10k Local services have health check ports of their own in {NodePortRange}");

    public static IPAddress ClusterIP(int service) => Address(172, 16, service);

    public static Endpoint Endpoint(int service, int index, bool onThisNode = false) =>
        new(Address(10, 64, service * 16 + index), 8080, onThisNode ? NodeName : "node-1", onThisNode);

    public static NodeModel Replace(NodeModel model, int index, Func<ServicePort, ServicePort> change) =>
        model with { Services = model.Services.SetItem(index, change(model.Services[index])) };

    private static bool Every(int i, int every) => every > 0 && i % every == 0;

    private static IPAddress Address(byte first, byte second, int rest) =>
        new([first, (byte)(second + (rest >> 16)), (byte)(rest >> 8), (byte)rest]);
}
