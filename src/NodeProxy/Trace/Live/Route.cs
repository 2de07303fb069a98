using System.Net;

namespace NodeProxy.Trace.Live;

public enum RouteKind
{
    /// <summary>To this node: the packet goes up the INPUT path.</summary>
    Local,

    /// <summary>Out of <see cref="Route.Device"/>: FORWARD for a packet from outside, out for a local one.</summary>
    Out,

    /// <summary>No route: the kernel drops it (or the local sender gets an error).</summary>
    Unreachable,
}

/// <summary>The kernel's routing decision for one destination, with the text "ip route get" printed.</summary>
public sealed record Route(RouteKind Kind, string? Device, string Text);

/// <summary>
/// What to ask the kernel: the route to <see cref="Destination"/> for a packet from
/// <see cref="Source"/>, arriving on <see cref="InInterface"/> (null: sent by the node itself).
/// </summary>
public sealed record RouteQuery(IPAddress Destination, IPAddress Source, string? InInterface);
