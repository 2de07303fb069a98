using k8s.Models;

namespace NodeProxy.Tests.Watch;

/// <summary>Small, valid objects for the watch tests, as the API server would hold them.</summary>
internal static class ApiObjects
{
    public static V1Service Service(string name, int index, IDictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = labels },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = $"10.96.{index / 250}.{(index % 250) + 1}",
            ClusterIPs = [$"10.96.{index / 250}.{(index % 250) + 1}"],
            Ports = [new V1ServicePort { Name = "http", Protocol = "TCP", Port = 80, TargetPort = 8080 }],
        },
    };

    public static V1EndpointSlice Slice(string service, params string[] addresses) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = $"{service}-abc",
            NamespaceProperty = "default",
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
        },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        Endpoints = [.. addresses.Select(a => new V1Endpoint { Addresses = [a], Conditions = new V1EndpointConditions { Ready = true } })],
    };

    public static V1Node Node(string name, string address) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = address }] },
    };

    public static V1Pod Pod(string name, string node, string ip, int? hostPort = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers = [new V1Container { Name = "c", Ports = hostPort is null ? null : [new V1ContainerPort { ContainerPort = 80, HostPort = hostPort, Protocol = "TCP" }] }],
        },
        Status = new V1PodStatus { Phase = "Running", PodIP = ip, PodIPs = [new V1PodIP { Ip = ip }] },
    };
}
