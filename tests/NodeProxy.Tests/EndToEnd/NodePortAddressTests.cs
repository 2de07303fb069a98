using System.Diagnostics;
using System.Net;
using NodeProxy.Lab;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>Which node addresses NodePorts answer on with --nodeport-addresses, seen from a client outside the cluster.</summary>
public sealed class NodePortAddressTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task IPv4OnlyRangesLeaveIPv6NodePortsAnsweringOnEveryAddress(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        var lab = cluster.Lab;
        await lab.AddPodAsync(lab.Node(2), "web6", IPAddress.Parse("10.244.2.30"), IPAddress.Parse("fd00:244:2::30"), 80);
        cluster.Manifests.Service("web6", "fd00:96::88", 88, nodePort: 30088).Endpoints("web6", "TCP", "fd00:244:2::30");
        await cluster.StartAgentAsync(null, "--nodeport-addresses", "192.168.56.0/24");

        var replies = await ManyAsync(3, () => lab.Client("client").TcpRequestAsync(At("fd00:56::11", 30088)));

        AllAnswered(replies);
        Assert.All(replies, r => Assert.Equal("web6", r.Pod));
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task ASecondInterfaceInTheRangesAnswersAndSoDoesAnAddressAddedWhileRunning(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        var client = cluster.Lab.Client("client");
        var (nodeEnd, clientEnd) = await cluster.Lab.LinkAsync(cluster.Node1, "192.168.77.11/24", client, "192.168.77.100/24");
        await cluster.Node1.ExecAsync("ip", "addr", "add", "10.77.0.11/24", "dev", nodeEnd);
        await client.ExecAsync("ip", "addr", "add", "10.77.0.100/24", "dev", clientEnd);
        cluster.Manifests.Service("web", "10.96.0.90", 80, nodePort: 30090).Endpoints("web", "TCP", "10.244.2.10");
        await cluster.StartAgentAsync(null, "--nodeport-addresses", "192.168.0.0/16");

        // The Node object lists 192.168.56.11 only; the host's other address in the range answers too.
        AllAnswered(await ManyAsync(3, () => client.TcpRequestAsync(At("192.168.77.11", 30090))));
        AllAnswered([await client.TcpRequestAsync(At("192.168.56.11", 30090))]);
        Assert.Equal(ReplyOutcome.Refused, (await client.TcpRequestAsync(At("10.77.0.11", 30090))).Outcome);

        var clock = Stopwatch.StartNew();
        await cluster.Node1.ExecAsync("ip", "addr", "add", "192.168.77.12/24", "dev", nodeEnd);
        Reply reply;
        do
        {
            reply = await client.TcpRequestAsync(At("192.168.77.12", 30090), TimeSpan.FromMilliseconds(500));
        }
        while (reply.Outcome != ReplyOutcome.Answered && clock.Elapsed < TimeSpan.FromSeconds(10));

        output.WriteLine($"the added address answered {clock.ElapsedMilliseconds} ms after it was added");
        Assert.True(reply.Outcome == ReplyOutcome.Answered, $"the added address never answered: {reply}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the added address answered only after {clock.Elapsed} (the periodic sync, not the address change)");
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task HealthCheckNodePortsListenOnlyOnTheNodePortAddresses(string backend)
    {
        await using var cluster = await CreateAsync(backend, output);
        var client = cluster.Lab.Client("client");
        await cluster.Lab.LinkAsync(cluster.Node1, "192.168.77.11/24", client, "192.168.77.100/24");
        cluster.Manifests.LocalLoadBalancer("lb", "10.96.0.60", 80, 30060, 32060).Endpoints("lb", "TCP", "10.244.1.10");
        await cluster.StartAgentAsync(null, "--nodeport-addresses", "192.168.77.0/24");

        var inRange = await HttpStatusAsync(client, "192.168.77.11", s => s == "200");
        var outOfRange = await HttpStatusAsync(client, "192.168.56.11", _ => false, TimeSpan.FromSeconds(2));

        Assert.Equal("200", inRange);
        Assert.Equal("000", outOfRange);
        AllAnswered([await client.TcpRequestAsync(At("192.168.77.11", 30060))]);
    }

    /// <summary>curl's status for the health check node port 32060 (000: no connection), tried until <paramref name="done"/> or the timeout.</summary>
    private static async Task<string> HttpStatusAsync(LabHost client, string address, Func<string, bool> done, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        string status;
        do
        {
            status = (await client.TryExecAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "1", $"http://{address}:32060/healthz")).Output.Trim();
            if (done(status))
            {
                break;
            }

            await Task.Delay(200);
        }
        while (clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(10)));

        return status;
    }
}
