using System.Globalization;
using NodeProxy.Lab;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>kube-proxy's two nfacct packet metrics, from the kernel's rule counters, after real traffic.</summary>
public sealed class PacketCounterTests(ITestOutputHelper output)
{
    // A TCP segment with SYN and FIN both set, which conntrack calls INVALID, from a pod through node-1 to node-2's pod.
    private const string SynFin = """
        import socket, struct
        src, dst = socket.inet_aton("10.244.1.20"), socket.inet_aton("10.244.2.10")
        tcp = struct.pack("!HHIIBBHHH", 40123, 80, 1, 0, 5 << 4, 0x03, 1024, 0, 0)
        data = src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp
        total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
        total = (total >> 16) + (total & 0xffff); total += total >> 16
        tcp = tcp[:16] + struct.pack("!H", ~total & 0xffff) + tcp[18:]
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
        for _ in range(3): s.sendto(tcp, ("10.244.2.10", 0))
        """;

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task LocalhostNodePortConnectionsAndInvalidPacketsDroppedAreCounted(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        cluster.Manifests.Service("web", "10.96.0.90", 80, nodePort: 30090).Endpoints("web", "TCP", "10.244.2.10");
        await cluster.StartAgentAsync(null, "--localhost-nodeports");

        AllAnswered(await ManyAsync(3, () => cluster.Node1.TcpRequestAsync(At("127.0.0.1", 30090))));
        await cluster.Lab.Pod("nginx-test").ExecAsync("python3", "-c", SynFin);
        var metrics = await cluster.Node1.ExecAsync("curl", "-s", "http://127.0.0.1:10249/metrics");

        Assert.Equal(3, Value(metrics, "kubeproxy_iptables_localhost_nodeports_accepted_packets_total"));
        Assert.Equal(3, Value(metrics, "kubeproxy_iptables_ct_state_invalid_dropped_packets_total"));
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task ByDefaultLocalhostNodePortsAreRefusedAndTheStartUpLogSaysSo(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        cluster.Manifests.Service("web", "10.96.0.90", 80, nodePort: 30090).Endpoints("web", "TCP", "10.244.2.10");
        await cluster.StartAgentAsync();

        Assert.Equal(ReplyOutcome.Refused, (await cluster.Node1.TcpRequestAsync(At("127.0.0.1", 30090))).Outcome);
        AllAnswered([await cluster.Node1.TcpRequestAsync(At("192.168.56.11", 30090))]);
        Assert.Contains(cluster.Agent.Lines, l => l.Contains("NodePorts do not answer on 127.0.0.1 (kube-proxy's iptables mode does by default): --localhost-nodeports", StringComparison.Ordinal));
    }

    private static double Value(string metrics, string name) =>
        double.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
}
