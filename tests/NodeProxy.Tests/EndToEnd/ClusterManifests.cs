using k8s;
using k8s.Models;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>
/// The cluster an end-to-end test describes to the agent, written as one manifest file the way
/// kubectl would show the objects. Each <see cref="WriteAsync"/> replaces the file in one rename,
/// so the agent's file watcher never reads half of it.
/// </summary>
internal sealed class ClusterManifests(string folder)
{
    private readonly SortedDictionary<string, IKubernetesObject> objects = new(StringComparer.Ordinal);

    public string Folder => folder;

    public ClusterManifests Node(int index) => Add(new V1Node
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = $"node-{index}" },
        Status = new V1NodeStatus
        {
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = $"192.168.56.{10 + index}" },
                new V1NodeAddress { Type = "InternalIP", Address = $"fd00:56::{10 + index}" },
            ],
        },
    });

    public ClusterManifests Service(string name, string clusterIP, int port, string protocol = "TCP", int? nodePort = null, bool localPolicy = false, bool affinity = false)
    {
        var v6 = clusterIP.Contains(':', StringComparison.Ordinal);
        return Add(new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new V1ServiceSpec
            {
                Type = nodePort is null ? "ClusterIP" : "NodePort",
                ClusterIP = clusterIP,
                ClusterIPs = [clusterIP],
                IpFamilies = [v6 ? "IPv6" : "IPv4"],
                ExternalTrafficPolicy = nodePort is null ? null : localPolicy ? "Local" : "Cluster",
                SessionAffinity = affinity ? "ClientIP" : "None",
                Ports = [new V1ServicePort { Name = "p", Protocol = protocol, Port = port, TargetPort = 80, NodePort = nodePort }],
            },
        });
    }

    /// <summary>An eTP=Local LoadBalancer Service: load balancers probe its health check node port.</summary>
    public ClusterManifests LocalLoadBalancer(string name, string clusterIP, int port, int nodePort, int healthCheckNodePort)
    {
        Service(name, clusterIP, port, nodePort: nodePort, localPolicy: true);
        var service = (V1Service)objects[$"Service/{name}"];
        service.Spec.Type = "LoadBalancer";
        service.Spec.HealthCheckNodePort = healthCheckNodePort;
        return this;
    }

    /// <summary>The service's EndpointSlice: ready endpoints on port 80, each on the node its address says.</summary>
    public ClusterManifests Endpoints(string service, string protocol, params string[] addresses)
    {
        var v6 = addresses.Any(a => a.Contains(':', StringComparison.Ordinal));
        return Add(new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                Name = $"{service}-{(v6 ? "v6" : "v4")}",
                NamespaceProperty = "default",
                Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
            },
            AddressType = v6 ? "IPv6" : "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "p", Port = 80, Protocol = protocol }],
            Endpoints = [.. addresses.Select(a => new V1Endpoint
            {
                Addresses = [a],
                Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                NodeName = $"node-{NodeIndex(a)}",
            })],
        });
    }

    public async Task WriteAsync()
    {
        var text = string.Join("\n---\n", objects.Values.Select(o => TestYaml.Serialize(o)));
        var temporary = Path.Combine(folder, "cluster.yaml.tmp");
        await File.WriteAllTextAsync(temporary, text);
        File.Move(temporary, Path.Combine(folder, "cluster.yaml"), overwrite: true);
    }

    private ClusterManifests Add(IKubernetesObject<V1ObjectMeta> item)
    {
        objects[$"{item.Kind}/{item.Metadata.Name}"] = item;
        return this;
    }

    /// <summary>10.244.N.x and fd00:244:N::x live on node N, as the lab lays them out.</summary>
    private static int NodeIndex(string address) =>
        int.Parse(address.Contains(':', StringComparison.Ordinal) ? address.Split(':')[2] : address.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture);
}
