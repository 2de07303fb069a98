using System.Collections.Immutable;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;

namespace NodeProxy.Commands;

/// <summary>The flags that say who this node is and how it behaves, shared by every command.</summary>
internal sealed class NodeOptions(bool sourceRequired = true)
{
    public Option<string> Source { get; } = new("--source")
    {
        Description = sourceRequired
            ? "A manifest file (YAML or JSON, multi-document or kind: List) or a folder of them"
            : "Read the cluster from a manifest file or folder instead of the Kubernetes API",
        Required = sourceRequired,
    };

    public Option<string> NodeName { get; } = new("--node-name")
    {
        Description = "This node's name (default: $NODE_NAME, else the host name)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } name ? name : Environment.MachineName,
    };

    public Option<IPAddress[]> NodeIPs { get; } = new("--node-ip")
    {
        Description = "This node's IP addresses (default: the Node object's InternalIP/ExternalIP)",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = ParseList<IPAddress>(ParseAddress),
    };

    public Option<IpNet[]> ClusterCidrs { get; } = new("--cluster-cidr")
    {
        Description = "The pod network, one CIDR per IP family: traffic from outside it to a cluster IP is masqueraded",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = OneCidrPerFamily("--cluster-cidr"),
    };

    public Option<bool> MasqueradeAll { get; } = new("--masquerade-all")
    {
        Description = "Masquerade all traffic sent to cluster IPs",
    };

    public Option<IpNet[]> NodePortAddresses { get; } = new("--nodeport-addresses")
    {
        Description = "CIDRs selecting the node addresses NodePorts answer on (default: all; a family without a CIDR here answers on all its addresses)",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = ParseList<IpNet>(ParseCidr),
    };

    public Option<bool> LocalhostNodePorts { get; } = new("--localhost-nodeports")
    {
        Description = "Also answer NodePorts on 127.0.0.1 (IPv4; needs net.ipv4.conf.all.route_localnet=1)",
    };

    public Option<IpNet[]?> ExternalIpCidrs { get; } = new("--external-ip-cidrs")
    {
        Description = "Honour only externalIPs inside these CIDRs; a Service claiming another is ignored (CVE-2020-8554)",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = ParseList<IpNet>(ParseCidr),
    };

    public Option<int> MasqueradeBit { get; } = new("--masquerade-bit")
    {
        Description = "The fwmark bit that marks packets for SNAT (0-31)",
        DefaultValueFactory = _ => 12,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var bit) && bit is >= 0 and <= 31)
            {
                return bit;
            }

            result.AddError("--masquerade-bit must be a number from 0 to 31");
            return 12;
        },
    };

    public Option<PortRange> NodePortRange { get; } = new("--service-node-port-range")
    {
        Description = "The API server's node port range, FIRST-LAST: a Service's nodePort outside it is refused",
        DefaultValueFactory = _ => PortRange.DefaultNodePorts,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 1 && PortRange.TryParse(result.Tokens[0].Value, out var range))
            {
                return range;
            }

            result.AddError("--service-node-port-range takes FIRST-LAST within 1-65535, such as 30000-32767");
            return PortRange.DefaultNodePorts;
        },
    };

    public Option<IpNet[]> ServiceCidrs { get; } = new("--service-cluster-ip-range")
    {
        Description = "The API server's service CIDRs, at most one per IP family: a clusterIP outside them is refused (default: no check)",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = OneCidrPerFamily("--service-cluster-ip-range"),
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Source, NodeName, NodeIPs, ClusterCidrs, MasqueradeAll, NodePortAddresses, LocalhostNodePorts, ExternalIpCidrs, MasqueradeBit, NodePortRange, ServiceCidrs })
        {
            command.Options.Add(option);
        }
    }

    public NodeConfig ToConfig(ParseResult result) => new(result.GetValue(NodeName)!)
    {
        NodeIPs = [.. result.GetValue(NodeIPs) ?? []],
        ClusterCidrs = [.. result.GetValue(ClusterCidrs) ?? []],
        MasqueradeAll = result.GetValue(MasqueradeAll),
        NodePortAddresses = [.. result.GetValue(NodePortAddresses) ?? []],
        LocalhostNodePorts = result.GetValue(LocalhostNodePorts),
        // Absent means every externalIP is honoured, as in kube-proxy; an empty list would honour none.
        ExternalIpCidrs = result.GetResult(ExternalIpCidrs) is { Implicit: false } && result.GetValue(ExternalIpCidrs) is { } allowed ? [.. allowed] : null,
        MasqueradeBit = result.GetValue(MasqueradeBit),
        NodePortRange = result.GetValue(NodePortRange),
        ServiceCidrs = [.. result.GetValue(ServiceCidrs) ?? []],
    };

    /// <summary>Accepts repeated flags and comma-separated lists alike ("--node-ip a,b").</summary>
    private delegate bool TryParse<T>(string text, out T value);

    private static Func<ArgumentResult, T[]> ParseList<T>(TryParse<T> parse) => result =>
    {
        var values = new List<T>();
        foreach (var token in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (parse(token, out var value))
            {
                values.Add(value);
            }
            else
            {
                result.AddError($"{(result.Parent as OptionResult)?.Option.Name}: '{token}' is not valid");
            }
        }

        return [.. values];
    };

    private static Func<ArgumentResult, IpNet[]> OneCidrPerFamily(string flag) => result =>
    {
        var cidrs = ParseList<IpNet>(ParseCidr)(result);
        if (cidrs.GroupBy(c => c.Family).Any(g => g.Count() > 1))
        {
            result.AddError($"{flag} takes at most one CIDR per IP family");
        }

        return cidrs;
    };

    private static bool ParseAddress(string text, out IPAddress address) => IpText.TryParseAddress(text, out address);

    private static bool ParseCidr(string text, out IpNet net) => IpNet.TryParse(text, out net);
}
