using System.Globalization;
using System.Text.RegularExpressions;
using NodeProxy.Lab;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>
/// `nodeproxy trace --live`, run with ip netns exec in node-1 where the real agent has loaded its
/// rules, says what real traffic then shows: the same endpoints, the same refusal or drop, and the
/// counters it prints move by the connections sent.
/// </summary>
public sealed class LiveTraceTests(ITestOutputHelper output)
{
    private const string Pod = "10.244.1.20";
    private const string Client = "192.168.56.100";
    private const string Node = "192.168.56.11";

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task TheLiveTraceSaysWhatTrafficShows(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        foreach (var file in Directory.GetFiles(TestPaths.Examples + "/nginx").Where(f => !f.EndsWith("nodes.yaml", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(cluster.Manifests.Folder, Path.GetFileName(file)));
        }

        cluster.Manifests
            .Service("local", "10.96.0.60", 80, nodePort: 30060, localPolicy: true).Endpoints("local", "TCP", "10.244.1.10", "10.244.2.10")
            .Service("empty", "10.96.0.50", 80)
            .Service("guarded", "10.96.0.70", 80).Endpoints("guarded", "TCP", "10.244.2.10");
        await cluster.StartAgentAsync(cluster.Manifests.Folder);
        var lab = cluster.Lab;
        var fromPod = lab.Pod("nginx-test");
        var client = lab.Client("client");

        // ClusterIP from a pod, and from the node: every pod that answers is one the trace names.
        await DeliveredAsync(cluster, Pod, "10.96.0.88", 88, 30, () => fromPod.TcpRequestAsync(At("10.96.0.88", 88)), masqueraded: false);
        await DeliveredAsync(cluster, Node, "10.96.0.88", 88, 30, () => cluster.Node1.TcpRequestAsync(At("10.96.0.88", 88)), masqueraded: null);

        // NodePort from outside masqueraded, hostPort not (as portmap does); eTP Local keeps the client's address and the local pod.
        await DeliveredAsync(cluster, Client, Node, 30000, 20, () => client.TcpRequestAsync(At(Node, 30000)), masqueraded: true);
        await DeliveredAsync(cluster, Client, Node, 8081, 5, () => client.TcpRequestAsync(At(Node, 8081)), masqueraded: false);
        await DeliveredAsync(cluster, Client, Node, 30060, 10, () => client.TcpRequestAsync(At(Node, 30060)), masqueraded: false);

        // explain, on the same node: the remote endpoint is not for Local-policy traffic, the
        // kernel holds the rules, and the local DNAT counted the connections just sent.
        var (code, explained) = await lab.RunAgentOnceAsync(cluster.Node1,
            ["explain", "default/local", "--source", cluster.Manifests.Folder, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16", "--iptables-backend", backend]);
        output.WriteLine(explained);
        Assert.Equal(0, code);
        Assert.Matches(@"10\.244\.2\.10:80 +node-2 +ready +used for cluster traffic; not for Local-policy traffic: on node-2, not node-1", explained);
        Assert.Contains("the kernel holds every one of these rules", explained, StringComparison.Ordinal);
        Assert.True(Regex.Matches(explained, @"\[(\d+) pkts\] .*DNAT --to-destination 10\.244\.1\.10:80").Max(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)) >= 10, explained);

        // No endpoints: refused, by the rule the trace names.
        var empty = await TraceAsync(cluster, Pod, "10.96.0.50", 80);
        Assert.StartsWith("rejected in filter", Assert.Single(empty.Outcomes), StringComparison.Ordinal);
        var refused = await ManyAsync(3, () => fromPod.TcpRequestAsync(At("10.96.0.50", 80)));
        Assert.All(refused, r => Assert.Equal(ReplyOutcome.Refused, r.Outcome));
        Assert.True((await TraceAsync(cluster, Pod, "10.96.0.50", 80)).Packets("REJECT") >= empty.Packets("REJECT") + 3);

        // A firewall rule that is not NodeProxy's drops the pod's traffic to the endpoint: the
        // trace names it, and the connections time out.
        var open = await TraceAsync(cluster, Pod, "10.96.0.70", 80);
        Assert.Equal(["10.244.2.10:80"], open.Endpoints);
        await cluster.Node1.ExecAsync("iptables-" + backend, "-I", "FORWARD", "-s", Pod, "-d", "10.244.2.10", "-p", "tcp", "--dport", "80", "-j", "DROP");
        var blocked = await TraceAsync(cluster, Pod, "10.96.0.70", 80);
        Assert.Equal("dropped after DNAT to 10.244.2.10:80 in filter FORWARD #1, masqueraded: no", Assert.Single(blocked.Outcomes));
        var dropped = await fromPod.TcpRequestAsync(At("10.96.0.70", 80), TimeSpan.FromSeconds(2));
        Assert.Equal(ReplyOutcome.TimedOut, dropped.Outcome);
        Assert.True((await TraceAsync(cluster, Pod, "10.96.0.70", 80)).Packets("-j DROP") > blocked.Packets("-j DROP"));
    }

    /// <summary>
    /// The trace delivers to the endpoints that really answer, its masquerade answer is what the
    /// pods saw, and the DNAT counters it prints grow by exactly the connections sent.
    /// </summary>
    private async Task DeliveredAsync(AgentCluster cluster, string src, string dst, int port, int connections, Func<Task<Reply>> request, bool? masqueraded)
    {
        var before = await TraceAsync(cluster, src, dst, port);
        Assert.False(before.Undecided, before.Text);
        Assert.All(before.Outcomes, o => Assert.StartsWith("DNAT to ", o, StringComparison.Ordinal));
        var replies = await ManyAsync(connections, request);
        AllAnswered(replies);
        var answered = replies.Select(r => cluster.Lab.Pods.Single(p => p.Name == r.Pod).Ipv4 + ":80").Distinct().Order().ToList();
        Assert.Equal(before.Endpoints, answered);
        if (masqueraded is { } m)
        {
            Assert.True(m ? before.Masqueraded : before.NotMasqueraded, before.Text);
            Assert.All(replies, r => Assert.Equal(m, r.Peer != src));
        }

        var after = await TraceAsync(cluster, src, dst, port);
        Assert.Equal(before.Packets("-j DNAT") + connections, after.Packets("-j DNAT"));
    }

    private async Task<LiveTraceOutput> TraceAsync(AgentCluster cluster, string src, string dst, int port)
    {
        var (exit, text) = await cluster.Lab.RunAgentOnceAsync(cluster.Node1,
            ["trace", "--live", "--iptables-backend", cluster.Backend, "--src", src, "--dst", dst, "--dport", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        output.WriteLine(text);
        Assert.True(exit == 0, text);
        return new LiveTraceOutput(text);
    }
}
