namespace NodeProxy.Tests.PacketFlow;

/// <summary>The sources every table tries, in kube-proxy's test conventions.</summary>
internal static class Hosts
{
    /// <summary>A pod on this node (in --cluster-cidr 10.0.0.0/8); its packets come in through PREROUTING.</summary>
    public const string LocalPod = "10.0.1.5";

    /// <summary>A pod on another node, its packets routed through this one (also PREROUTING).</summary>
    public const string RemotePod = "10.0.2.5";

    /// <summary>test-node's InternalIP: packets from it are generated locally (nat OUTPUT).</summary>
    public const string Node = "192.168.0.2";

    /// <summary>Another node's address: not local here.</summary>
    public const string OtherNode = "192.168.0.3";

    public const string Localhost = "127.0.0.1";

    /// <summary>An off-cluster client, inside the LB source range 203.0.113.0/25.</summary>
    public const string External = "203.0.113.2";

    /// <summary>An off-cluster client outside the LB source range.</summary>
    public const string Blocked = "203.0.113.130";

    public const string LocalPodV6 = "fd00:10::5";
    public const string RemotePodV6 = "fd00:10::2:5";
    public const string NodeV6 = "2001:db8::1";
    public const string LocalhostV6 = "::1";
    public const string ExternalV6 = "2001:db8:ff::2";

    public const string Tcp = "tcp";
    public const string Udp = "udp";
}
