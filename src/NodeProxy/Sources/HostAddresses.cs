using System.Collections.Immutable;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace NodeProxy.Sources;

/// <summary>
/// The addresses on this network namespace's interfaces, which kube-proxy's GetNodeIPs reads for
/// --nodeport-addresses too: a second interface the Node object does not list still answers
/// NodePorts. <see cref="Changed"/> fires when the kernel reports an address added or removed
/// (netlink, through .NET's NetworkChange), so a new address answers without a restart; the
/// periodic sync reads them again anyway, should a notification be missed.
/// </summary>
public sealed class HostAddresses : IDisposable
{
    public HostAddresses() => NetworkChange.NetworkAddressChanged += OnChanged;

    public event Action? Changed;

    /// <summary>Every unicast address of every interface, up or not (as Go's net.InterfaceAddrs), without IPv6 zone ids.</summary>
    public static ImmutableArray<IPAddress> Read()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6 && a.Address.ScopeId != 0 ? new IPAddress(a.Address.GetAddressBytes()) : a.Address)
                .Distinct()];
        }
        catch (NetworkInformationException)
        {
            // No addresses known is "answer on none of them" for this sync; the next read retries.
            return [];
        }
    }

    public void Dispose() => NetworkChange.NetworkAddressChanged -= OnChanged;

    private void OnChanged(object? sender, EventArgs e) => Changed?.Invoke();
}
