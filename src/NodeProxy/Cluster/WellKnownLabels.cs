namespace NodeProxy.Cluster;

/// <summary>Labels Kubernetes gives a meaning to, and which NodeProxy reads.</summary>
public static class WellKnownLabels
{
    /// <summary>On an EndpointSlice: the Service it belongs to.</summary>
    public const string ServiceName = "kubernetes.io/service-name";

    /// <summary>On a Service: another proxy implements it, so NodeProxy must leave it alone.</summary>
    public const string ServiceProxyName = "service.kubernetes.io/service-proxy-name";

    /// <summary>On a Service: it is headless, with no cluster IP to program.</summary>
    public const string Headless = "service.kubernetes.io/headless";

    /// <summary>On a Node: its zone, for topology hints.</summary>
    public const string Zone = "topology.kubernetes.io/zone";
}
