using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Trace;

/// <summary>The first packet of a new connection, before any NAT.</summary>
public sealed record Packet(IPAddress Source, IPAddress Destination, int DestinationPort, Protocol Protocol)
{
    public override string ToString() =>
        $"{Protocol.Name()} {IpText.Format(Source)} -> {IpText.FormatEndpoint(Destination, DestinationPort)}";
}
