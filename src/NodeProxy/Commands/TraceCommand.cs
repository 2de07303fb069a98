using System.CommandLine;
using System.Net;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Trace;
using NodeProxy.Trace.Live;

namespace NodeProxy.Commands;

/// <summary>
/// `nodeproxy trace`: which rules the first packet of a connection traverses and where it ends
/// (kube-proxy issue #74677), answered from the rules NodeProxy would render for the cluster, or
/// with --live from every rule the node holds now, with the kernel's own routing decisions.
/// </summary>
internal static class TraceCommand
{
    public static Command Create()
    {
        var node = new NodeOptions(sourceRequired: false);
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Read the cluster from this API server's kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)" };
        var src = new Option<string>("--src") { Description = "Source address of the packet", Required = true };
        var dst = new Option<string>("--dst") { Description = "Destination address of the packet", Required = true };
        var dport = new Option<int>("--dport") { Description = "Destination port", Required = true };
        var proto = new Option<string>("--proto") { Description = "tcp, udp or sctp", DefaultValueFactory = _ => "tcp" };
        var recorded = new Option<bool>("--affinity-recorded")
        {
            Description = "Trace as a client already recorded by ClientIP session affinity",
        };
        var rules = new Option<bool>("--rules") { Description = "Print each traversed rule in full" };
        var live = new Option<bool>("--live") { Description = "Trace through every rule this node holds now (all tables, with counters), not the rendered ones" };
        var inInterface = new Option<string?>("--in-interface")
        {
            Description = "With --live: the interface the packet arrives on (default: the node's route back to --src; none when --src is the node's own)",
        };
        var kernel = new KernelOptions();
        var command = new Command("trace", "Show the rules the first packet of a connection traverses, and where it ends");
        node.AddTo(command);
        foreach (var option in new Option[] { kubeconfig, src, dst, dport, proto, recorded, rules, live, inInterface, kernel.Backend })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => UserErrors.Guard(() =>
        {
            if (!IpText.TryParseAddress(result.GetValue(src), out var source)
                || !IpText.TryParseAddress(result.GetValue(dst), out var destination)
                || source.Family() != destination.Family())
            {
                Console.Error.WriteLine("error: --src and --dst must be IP addresses of the same family");
                return 2;
            }

            if (!ProtocolText.TryParse(result.GetValue(proto), out var protocol) || result.GetValue(dport) is < 1 or > 65535)
            {
                Console.Error.WriteLine("error: --proto must be tcp, udp or sctp and --dport 1-65535");
                return 2;
            }

            var packet = new Packet(source, destination, result.GetValue(dport), protocol);
            var trace = result.GetValue(live)
                ? TraceLiveAsync(result, kernel, packet, result.GetValue(inInterface)).GetAwaiter().GetResult()
                : TraceRendered(result, node, result.GetValue(kubeconfig), packet, result.GetValue(recorded));
            Console.Out.Write(trace.Format(result.GetValue(rules)));
            return 0;
        }));
        return command;
    }

    private static TraceResult TraceRendered(ParseResult result, NodeOptions node, string? kubeconfig, Packet packet, bool affinityRecorded)
    {
        var pipeline = OfflinePipeline.RunAsync(result.GetValue(node.Source), kubeconfig, node.ToConfig(result), Console.Error).GetAwaiter().GetResult();
        var model = pipeline.Model.For(packet.Source.Family());
        var context = new TraceContext(model.NodeIPs.ToHashSet<IPAddress>());
        return PacketTracer.Trace(Renderer.Render(model), context, packet, affinityRecorded);
    }

    private static async Task<TraceResult> TraceLiveAsync(ParseResult result, KernelOptions kernel, Packet packet, string? inInterface)
    {
        var liveNode = new LiveNode(await kernel.ResolveAsync(result, CancellationToken.None));
        var local = await LiveNode.LocalAddressesAsync();
        var context = new TraceContext(local);

        // A packet from elsewhere comes in where the node's route back to its source goes out.
        if (inInterface is null && !context.IsLocal(packet.Source))
        {
            inInterface = liveNode.Route(new RouteQuery(packet.Source, packet.Source, null)).Device
                ?? throw new IOException($"no route back to {packet.Source}: pass --in-interface");
        }

        var tables = await liveNode.TablesAsync(packet.Source.Family());
        Console.Out.Write($"# live rules of this node (iptables {liveNode.Backend.ToString().ToLowerInvariant()}), counters as read now\n");
        return LiveTracer.Trace(tables, context, packet, inInterface, liveNode.Route);
    }
}
