using System.Net;
using System.Net.Sockets;
using NodeProxy.Model;
using NodeProxy.Net;

namespace NodeProxy.Health;

/// <summary>
/// Where the health check node ports listen: like kube-proxy's service health server, on the
/// addresses NodePorts answer on. Null means every address (no --nodeport-addresses); a family
/// without a range of its own listens on each of the host's addresses of that family.
/// </summary>
public static class HealthCheckAddresses
{
    public static IReadOnlyList<IPAddress>? From(ModelResult model, IReadOnlyList<IPAddress>? hostAddresses)
    {
        if (model.V4.NodePortIPs is null && model.V6.NodePortIPs is null || hostAddresses is null && (model.V4.NodePortIPs is null || model.V6.NodePortIPs is null))
        {
            return null;
        }

        IEnumerable<IPAddress> Of(NodeModel family) => family.NodePortIPs
            ?? hostAddresses!.Where(a => a.Family() == family.Family && !IPAddress.IsLoopback(a) && !(a.AddressFamily == AddressFamily.InterNetworkV6 && a.IsIPv6LinkLocal));
        return [.. Of(model.V4).Concat(Of(model.V6)).Distinct()];
    }
}
