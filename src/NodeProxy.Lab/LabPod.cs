using System.Net;

namespace NodeProxy.Lab;

/// <summary>A pod: its own namespace with a /32 (and /128) on eth0 and everything routed via its node.</summary>
public sealed class LabPod : LabHost
{
    private readonly PodServer _server;

    internal LabPod(LabNode node, string name, string netns, IPAddress ipv4, IPAddress? ipv6, IReadOnlyList<int> ports, PodServer server, Action<string>? log)
        : base(name, netns, ipv4, ipv6, log)
    {
        Node = node;
        Ports = ports;
        _server = server;
    }

    public LabNode Node { get; }

    /// <summary>The ports its servers listen on, TCP and UDP alike.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>The host-side end of its veth, in the node's namespace.</summary>
    internal string? NodeVeth { get; init; }

    internal override async Task CloseAsync()
    {
        await _server.DisposeAsync();
        await base.CloseAsync();
    }
}
