using System.Net;

namespace NodeProxy.Lab;

/// <summary>A cluster node: eth0 on the lan, and a bridge cbr0 that its pods hang off and route through.</summary>
public sealed class LabNode : LabHost
{
    internal LabNode(int index, string netns, Action<string>? log)
        : base($"node-{index}", netns, LabAddresses.NodeIpv4(index), LabAddresses.NodeIpv6(index), log) => Index = index;

    public int Index { get; }

    /// <summary>cbr0's address: the pods' default gateway, and the source the node uses to reach its pods.</summary>
    public IPAddress PodGateway => LabAddresses.PodGatewayV4(Index);

    public IPAddress PodGatewayV6 => LabAddresses.PodGatewayV6(Index);

    public string PodCidr => LabAddresses.PodCidrV4(Index);

    public string PodCidrV6 => LabAddresses.PodCidrV6(Index);
}
