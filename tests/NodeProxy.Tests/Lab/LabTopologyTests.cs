using System.Diagnostics;
using System.Net;
using NodeProxy.Lab;
using Xunit;

namespace NodeProxy.Tests.Lab;

/// <summary>
/// Plain routing through the lab, without nodeproxy and without a single iptables rule: what
/// the end-to-end tests build on must already carry real traffic the way a cluster does.
/// </summary>
public sealed class LabTopologyTests(LabTopologyTests.TwoNodes lab) : IClassFixture<LabTopologyTests.TwoNodes>
{
    private static readonly IPAddress PodA = IPAddress.Parse("10.244.1.10");
    private static readonly IPAddress PodB = IPAddress.Parse("10.244.1.20");
    private static readonly IPAddress PodC = IPAddress.Parse("10.244.2.10");
    private static readonly IPAddress PodAv6 = IPAddress.Parse("fd00:244:1::10");
    private static readonly IPAddress PodCv6 = IPAddress.Parse("fd00:244:2::10");

    [Fact]
    public async Task TheClientHasNoRouteToPodsButTheirNodeReachesThem()
    {
        var fromClient = await lab.Client.TcpRequestAsync(new IPEndPoint(PodA, 80));
        Assert.Equal(ReplyOutcome.Unreachable, fromClient.Outcome);

        var fromNode = await lab.Node1.TcpRequestAsync(new IPEndPoint(PodA, 80));
        var curl = await lab.Node1.ExecAsync("curl", "-sS", "-m", "2", "http://10.244.1.10/");

        Assert.Equal(new Reply(ReplyOutcome.Answered, "pod-a", "10.244.1.1"), fromNode);
        Assert.Equal("pod-a 10.244.1.1\n", curl);
    }

    [Fact]
    public async Task APodReachesAPodOnAnotherNodeAndSeesItsOwnAddressArrive()
    {
        var reply = await lab.A.TcpRequestAsync(new IPEndPoint(PodC, 80));

        Assert.Equal(new Reply(ReplyOutcome.Answered, "pod-c", "10.244.1.10"), reply);
    }

    [Fact]
    public async Task APodReachesItsNeighbourThroughTheNode()
    {
        var reply = await lab.A.TcpRequestAsync(new IPEndPoint(PodB, 80));
        var hops = await lab.A.ExecAsync("ip", "route", "get", PodB.ToString());

        Assert.Equal(new Reply(ReplyOutcome.Answered, "pod-b", "10.244.1.10"), reply);
        Assert.Contains("via 10.244.1.1", hops, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APortWithoutAServerIsRefusedAtOnce()
    {
        var clock = Stopwatch.StartNew();
        var toPod = await lab.Node1.TcpRequestAsync(new IPEndPoint(PodA, 81));
        var toNode = await lab.Client.TcpRequestAsync(new IPEndPoint(lab.Node1.Ipv4, 81));

        Assert.Equal(ReplyOutcome.Refused, toPod.Outcome);
        Assert.Equal(ReplyOutcome.Refused, toNode.Outcome);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AUdpConversationAndALongLivedConnectionAnswerEveryAsk()
    {
        using var udp = lab.C.OpenUdp(new IPEndPoint(PodA, 80), sourcePort: 5353);
        var first = await udp.AskAsync(TimeSpan.FromSeconds(2));
        var second = await udp.AskAsync(TimeSpan.FromSeconds(2));

        await using var line = await lab.Node2.OpenLineAsync(new IPEndPoint(PodA, 80));
        var once = await line.AskAsync(TimeSpan.FromSeconds(2));
        var twice = await line.AskAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(5353, udp.LocalEndPoint.Port);
        Assert.All([first, second], r => Assert.Equal(new Reply(ReplyOutcome.Answered, "pod-a", "10.244.2.10"), r));
        Assert.All([once, twice], r => Assert.Equal(new Reply(ReplyOutcome.Answered, "pod-a", "192.168.56.12"), r));
    }

    [Fact]
    public async Task IPv6WorksAtOnceOnTheNodeAndAcrossNodes()
    {
        var fromNode = await lab.Node1.TcpRequestAsync(new IPEndPoint(PodAv6, 80));
        var acrossNodes = await lab.A.TcpRequestAsync(new IPEndPoint(PodCv6, 80));
        using var udp = lab.C.OpenUdp(new IPEndPoint(PodAv6, 80), sourcePort: 5353);
        var overUdp = await udp.AskAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(new Reply(ReplyOutcome.Answered, "pod-a", "fd00:244:1::1"), fromNode);
        Assert.Equal(new Reply(ReplyOutcome.Answered, "pod-c", "fd00:244:1::10"), acrossNodes);
        Assert.Equal(new Reply(ReplyOutcome.Answered, "pod-a", "fd00:244:2::10"), overUdp);
    }

    /// <summary>Two nodes, pods a and b on node-1, c on node-2, a and c dual-stack; a client.</summary>
    public sealed class TwoNodes : IAsyncLifetime
    {
        private NodeProxy.Lab.Lab? _lab;

        public LabNode Node1 { get; private set; } = null!;

        public LabNode Node2 { get; private set; } = null!;

        public LabPod A { get; private set; } = null!;

        public LabPod B { get; private set; } = null!;

        public LabPod C { get; private set; } = null!;

        public LabHost Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _lab = await NodeProxy.Lab.Lab.CreateAsync();
            Node1 = await _lab.AddNodeAsync(1);
            Node2 = await _lab.AddNodeAsync(2);
            A = await _lab.AddPodAsync(Node1, "pod-a", PodA, PodAv6, 80);
            B = await _lab.AddPodAsync(Node1, "pod-b", PodB, null, 80);
            C = await _lab.AddPodAsync(Node2, "pod-c", PodC, PodCv6, 80);
            Client = await _lab.AddClientAsync("client", IPAddress.Parse("192.168.56.100"), IPAddress.Parse("fd00:56::100"));
        }

        public async Task DisposeAsync()
        {
            if (_lab is not null)
            {
                await _lab.DisposeAsync();
            }
        }
    }
}
