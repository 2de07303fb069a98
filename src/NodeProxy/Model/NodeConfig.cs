using System.Collections.Immutable;
using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>Who this node is and how the operator wants it to behave (flags).</summary>
public sealed record NodeConfig(string NodeName)
{
    /// <summary>From --node-ip; when empty, the Node object's InternalIP/ExternalIP addresses are used.</summary>
    public ImmutableArray<IPAddress> NodeIPs { get; init; } = [];

    /// <summary>Pod network(s), at most one per family: traffic from inside them is "pod traffic".</summary>
    public ImmutableArray<IpNet> ClusterCidrs { get; init; } = [];

    public bool MasqueradeAll { get; init; }

    /// <summary>Node addresses NodePorts answer on; a family with no range here answers on every local address.</summary>
    public ImmutableArray<IpNet> NodePortAddresses { get; init; } = [];

    /// <summary>NodePorts on 127.0.0.1 (needs route_localnet, kube-proxy #90259); IPv4 only.</summary>
    public bool LocalhostNodePorts { get; init; }

    /// <summary>When set, only externalIPs inside these CIDRs are honoured (CVE-2020-8554).</summary>
    public ImmutableArray<IpNet>? ExternalIpCidrs { get; init; }

    /// <summary>
    /// Bit 12 by default: kube-proxy uses 14, the CNI portmap plugin 13, kubelet 15, Calico 16-31
    /// and Cilium 8-11, so NodeProxy can run beside any of them during a migration.
    /// </summary>
    public int MasqueradeBit { get; init; } = 12;

    public uint MasqueradeMark => 1u << MasqueradeBit;

    /// <summary>kube-apiserver's --service-node-port-range: a nodePort outside it is refused.</summary>
    public PortRange NodePortRange { get; init; } = PortRange.DefaultNodePorts;

    /// <summary>kube-apiserver's --service-cluster-ip-range, at most one per family; empty when not given (no range check).</summary>
    public ImmutableArray<IpNet> ServiceCidrs { get; init; } = [];
}
