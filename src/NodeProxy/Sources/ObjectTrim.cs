using k8s.Models;
using NodeProxy.Cluster;

namespace NodeProxy.Sources;

/// <summary>
/// A copy of an object with only what validation and the model read (Model/*Reader,
/// SliceChecker, AllocationClaims, explain, the node's readiness), its repeated strings shared
/// through a <see cref="StringPool"/>. The stores keep these copies: at 10k services a whole
/// object costs several times what is read of it, and in a real cluster managedFields,
/// annotations, a Pod's containers and a Node's image list are larger still. Every field a check
/// reads keeps its value, null included, so every check gives the same answer on the copy as on
/// the original. Labels keep only the keys <see cref="WellKnownLabels"/> names.
/// </summary>
public static class ObjectTrim
{
    public static T Trim<T>(T item, StringPool strings) => item switch
    {
        V1Service service => (T)(object)Service(service, strings),
        V1EndpointSlice slice => (T)(object)Slice(slice, strings),
        V1Pod pod => (T)(object)Pod(pod, strings),
        V1Node node => (T)(object)Node(node, strings),
        _ => item,
    };

    public static V1Service Service(V1Service service, StringPool strings) => new()
    {
        Metadata = Metadata(service.Metadata, strings, WellKnownLabels.ServiceProxyName, WellKnownLabels.Headless),
        Spec = service.Spec is not { } spec ? null : new V1ServiceSpec
        {
            Type = strings.Intern(spec.Type),
            ClusterIP = spec.ClusterIP,

            // Arrays, not lists, and clusterIPs[0] the very string clusterIP is: a tenth of what a Service keeps.
            ClusterIPs = spec.ClusterIPs?.Select(ip => ip == spec.ClusterIP ? spec.ClusterIP : ip).ToArray(),
            IpFamilies = spec.IpFamilies?.Select(strings.Intern).ToArray(),
            Ports = spec.Ports?.Select(p => Port(p, strings)).ToArray(),
            ExternalIPs = spec.ExternalIPs is { } external ? [.. external] : null,
            LoadBalancerSourceRanges = spec.LoadBalancerSourceRanges is { } ranges ? [.. ranges] : null,
            ExternalTrafficPolicy = strings.Intern(spec.ExternalTrafficPolicy),
            InternalTrafficPolicy = strings.Intern(spec.InternalTrafficPolicy),
            SessionAffinity = strings.Intern(spec.SessionAffinity),
            SessionAffinityConfig = spec.SessionAffinityConfig,
            HealthCheckNodePort = spec.HealthCheckNodePort,
        },
        Status = service.Status?.LoadBalancer?.Ingress is { } ingress
            ? new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [.. ingress.Select(i => new V1LoadBalancerIngress { Ip = i.Ip, IpMode = strings.Intern(i.IpMode) })] } }
            : null,
    };

    public static V1EndpointSlice Slice(V1EndpointSlice slice, StringPool strings) => new()
    {
        Metadata = Metadata(slice.Metadata, strings, WellKnownLabels.ServiceName),
        AddressType = strings.Intern(slice.AddressType),
        Ports = slice.Ports?.Select(p => new Discoveryv1EndpointPort { Name = strings.Intern(p.Name), Protocol = strings.Intern(p.Protocol), Port = p.Port }).ToArray(),
        Endpoints = slice.Endpoints is { } endpoints ? new CompactEndpoints(endpoints, strings) : null,
    };

    /// <summary>What the hostPort mapping reads: containers' ports that have a hostPort, the node, the pod's addresses and phase.</summary>
    public static V1Pod Pod(V1Pod pod, StringPool strings) => new()
    {
        Metadata = Metadata(pod.Metadata, strings),
        Spec = pod.Spec is not { } spec ? null : new V1PodSpec
        {
            NodeName = strings.Intern(spec.NodeName),
            HostNetwork = spec.HostNetwork,
            Containers = spec.Containers is { } containers
                ? [.. containers.Where(c => c.Ports?.Any(HasHostPort) == true).Select(c => new V1Container { Name = c.Name, Ports = [.. c.Ports!.Where(HasHostPort)] })]
                : null,
        },
        Status = pod.Status is not { } status ? null : new V1PodStatus
        {
            Phase = strings.Intern(status.Phase),
            PodIP = status.PodIP,
            PodIPs = status.PodIPs is { } ips ? [.. ips.Select(i => new V1PodIP { Ip = i.Ip })] : null,
        },
    };

    /// <summary>Its zone label, addresses, taints and deletion: not its images, conditions or capacity.</summary>
    public static V1Node Node(V1Node node, StringPool strings) => new()
    {
        Metadata = Metadata(node.Metadata, strings, WellKnownLabels.Zone),
        Spec = node.Spec is not { } spec ? null : new V1NodeSpec { Taints = spec.Taints },
        Status = node.Status?.Addresses is { } addresses
            ? new V1NodeStatus { Addresses = [.. addresses.Select(a => new V1NodeAddress { Type = strings.Intern(a.Type), Address = a.Address })] }
            : null,
    };

    private static bool HasHostPort(V1ContainerPort port) => port.HostPort is > 0 or < 0;

    /// <summary>Name and namespace, the instants the claims and readiness read, and the labels asked for.</summary>
    private static V1ObjectMeta? Metadata(V1ObjectMeta? metadata, StringPool strings, params string[] labels) => metadata is null ? null : new V1ObjectMeta
    {
        Name = metadata.Name,
        NamespaceProperty = strings.Intern(metadata.NamespaceProperty),
        CreationTimestamp = metadata.CreationTimestamp,
        DeletionTimestamp = metadata.DeletionTimestamp,
        Labels = Labels(metadata.Labels, strings, labels),
    };

    private static Dictionary<string, string>? Labels(IDictionary<string, string>? all, StringPool strings, string[] wanted)
    {
        Dictionary<string, string>? kept = null;
        foreach (var key in wanted)
        {
            if (all?.TryGetValue(key, out var value) == true)
            {
                kept ??= new Dictionary<string, string>(wanted.Length, StringComparer.Ordinal);
                kept[key] = strings.Intern(value);
            }
        }

        return kept;
    }

    private static V1ServicePort Port(V1ServicePort port, StringPool strings) => new()
    {
        Name = strings.Intern(port.Name),
        Protocol = strings.Intern(port.Protocol),
        Port = port.Port,
        TargetPort = port.TargetPort,
        NodePort = port.NodePort,
    };
}
