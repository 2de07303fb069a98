using System.Collections.Concurrent;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Trace;

namespace NodeProxy.Tests.PacketFlow;

/// <summary>
/// One fixture cluster of testdata/flows/&lt;feature&gt;: its manifests and its "flags" file run
/// through the real manifest source, model builder and renderer, ready to trace packets.
/// </summary>
/// <remarks>
/// kube-proxy's packet-flow tests use the same conventions: node test-node (192.168.0.2,
/// 2001:db8::1), pods 10.0.0.0/8 and fd00:10::/64, ClusterIPs 172.30.0.0/16, externalIPs
/// 192.168.99.x, LB IPs 1.2.3.4 / 5.6.7.8 / 9.10.11.12, external client 203.0.113.2.
/// The node's local addresses (for "-m addrtype LOCAL") are the model's NodeIPs, plus loopback.
/// </remarks>
internal sealed class FlowCluster
{
    private static readonly ConcurrentDictionary<string, Lazy<FlowCluster>> Loaded = new();

    private readonly RuleSet v4;
    private readonly RuleSet v6;

    private FlowCluster(string feature)
    {
        Feature = feature;
        var dir = Path.Combine(TestPaths.TestData, "flows", feature);
        Pipeline = TestPipeline.FromFixture(dir);
        v4 = Renderer.Render(Pipeline.Model.V4);
        v6 = Renderer.Render(Pipeline.Model.V6);
    }

    public string Feature { get; }

    public TestPipeline Pipeline { get; }

    public static FlowCluster Load(string feature) =>
        Loaded.GetOrAdd(feature, f => new Lazy<FlowCluster>(() => new FlowCluster(f))).Value;

    public RuleSet Rules(IpFamily family) => family == IpFamily.V4 ? v4 : v6;

    public TraceContext Context(IpFamily family) => new(Pipeline.Model.For(family).NodeIPs.ToHashSet());

    /// <summary>Traces the first packet of a connection; the family is the source address's.</summary>
    public TraceResult Trace(string source, string destination, int port, string protocol, bool affinityRecorded = false)
    {
        var src = IpText.ParseAddress(source);
        var dst = IpText.ParseAddress(destination);
        if (!ProtocolText.TryParse(protocol, out var proto))
        {
            throw new ArgumentException($"unknown protocol '{protocol}'", nameof(protocol));
        }

        var family = src.Family();
        return PacketTracer.Trace(Rules(family), Context(family), new Packet(src, dst, port, proto), affinityRecorded);
    }
}
