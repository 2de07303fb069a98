using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>A Pod's hostPort on this node: traffic to (HostIP or any local address):HostPort goes to the pod.</summary>
public sealed record HostPortMapping(string PodNamespace, string PodName, IPAddress PodIP, Protocol Protocol, int HostPort, int ContainerPort)
{
    /// <summary>The hostIP the mapping is limited to; null for every local address.</summary>
    public IPAddress? HostIP { get; init; }

    public string PodRef => $"{PodNamespace}/{PodName}";
}
