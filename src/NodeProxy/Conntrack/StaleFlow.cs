using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Conntrack;

/// <summary>
/// Conntrack entries to delete: connections of <see cref="Protocol"/> to <see cref="Destination"/>
/// (any address when null) on <see cref="Port"/>, whose replies come from <see cref="ReplySource"/>
/// (any when null). Connectionless flows stick to the endpoint chosen by their first packet for
/// as long as the client keeps sending, so a removed endpoint would keep receiving them.
/// </summary>
public sealed record StaleFlow(IpFamily Family, Protocol Protocol, IPAddress? Destination, int Port, IPAddress? ReplySource)
{
    public override string ToString() =>
        $"{Protocol.Name()} to {Destination?.ToString() ?? "*"}:{Port} answered by {ReplySource?.ToString() ?? "*"}";
}
