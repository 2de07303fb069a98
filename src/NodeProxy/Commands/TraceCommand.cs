using System.CommandLine;
using System.Net;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Trace;

namespace NodeProxy.Commands;

/// <summary>
/// `nodeproxy trace`: which of this node's rules the first packet of a connection traverses and
/// where it ends, answered from the rendered rules (kube-proxy issue #74677).
/// </summary>
internal static class TraceCommand
{
    public static Command Create()
    {
        var node = new NodeOptions();
        var src = new Option<string>("--src") { Description = "Source address of the packet", Required = true };
        var dst = new Option<string>("--dst") { Description = "Destination address of the packet", Required = true };
        var dport = new Option<int>("--dport") { Description = "Destination port", Required = true };
        var proto = new Option<string>("--proto") { Description = "tcp, udp or sctp", DefaultValueFactory = _ => "tcp" };
        var recorded = new Option<bool>("--affinity-recorded")
        {
            Description = "Trace as a client already recorded by ClientIP session affinity",
        };
        var rules = new Option<bool>("--rules") { Description = "Print each traversed rule in full" };
        var command = new Command("trace", "Show the rules the first packet of a connection traverses, and where it ends");
        node.AddTo(command);
        foreach (var option in new Option[] { src, dst, dport, proto, recorded, rules })
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

            var pipeline = OfflinePipeline.Run(result.GetValue(node.Source)!, node.ToConfig(result), Console.Error);
            var model = pipeline.Model.For(source.Family());
            var context = new TraceContext(model.NodeIPs.ToHashSet<IPAddress>());
            var trace = PacketTracer.Trace(Renderer.Render(model), context, new Packet(source, destination, result.GetValue(dport), protocol), result.GetValue(recorded));
            Console.Out.Write(trace.Format(result.GetValue(rules)));
            return 0;
        }));
        return command;
    }
}
