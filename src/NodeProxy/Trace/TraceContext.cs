using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Trace;

/// <summary>
/// What the tracer must know about the node. <see cref="LocalAddresses"/> are the node's own
/// addresses, those for which "-m addrtype LOCAL" holds; loopback is always local, so it need
/// not be listed.
/// </summary>
public sealed record TraceContext(IReadOnlySet<IPAddress> LocalAddresses)
{
    public static TraceContext Empty { get; } = new(new HashSet<IPAddress>());

    public bool IsLocal(IPAddress address) =>
        address.Family().Loopback().Contains(address) || LocalAddresses.Contains(address);
}
