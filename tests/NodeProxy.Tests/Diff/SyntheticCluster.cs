using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using NodeProxy.Model;

namespace NodeProxy.Tests.Diff;

/// <summary>
/// The API objects behind <see cref="SyntheticModel"/>: what an agent would have to list to build
/// that model, so an agent run over them is comparable with the in-process restore figures.
/// </summary>
internal static partial class SyntheticCluster
{
    /// <summary>The mix of the agent benchmarks: a realistic share of NodePorts, few affinities, some Local.</summary>
    /// <summary>The node port range the agent is given: <see cref="SyntheticModel.NodePortRange"/>.</summary>
    public static readonly PortRange NodePorts = PortRange.TryParse(SyntheticModel.NodePortRange, out var range) ? range : throw new InvalidOperationException("bad range");

    public static readonly ClusterMix Mix = new(NodePortEvery: 3, AffinityEvery: 50, LocalEvery: 10);

    public const string NodeAddress = "192.168.0.2";

    /// <summary>What --cluster-cidr must say for the model's PodCidr.</summary>
    public const string ClusterCidr = "10.0.0.0/8";

    /// <summary>Where a change of endpoint 0 moves it: a /16 no service of the model uses.</summary>
    private const byte MovedEndpointSecondOctet = 200;

    private const string TriggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time";

    public static V1Node Node() => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = SyntheticModel.NodeName, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = SyntheticModel.NodeName } },
        Spec = new V1NodeSpec { PodCIDR = "10.0.0.0/24", PodCIDRs = ["10.0.0.0/24"] },
        Status = new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = NodeAddress }, new V1NodeAddress { Type = "Hostname", Address = SyntheticModel.NodeName }],
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }],
        },
    };

    public static V1Service Service(int index)
    {
        var port = SyntheticModel.Service(index, mix: Mix);
        var clusterIP = port.ClusterIP.ToString();
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = port.Name.Name, NamespaceProperty = port.Name.Namespace },
            Spec = new V1ServiceSpec
            {
                // Only a LoadBalancer has a health check node port, and the model's Local services have one.
                Type = port.ExternalPolicyLocal ? "LoadBalancer" : port.NodePort is null ? "ClusterIP" : "NodePort",
                ClusterIP = clusterIP,
                ClusterIPs = [clusterIP],
                IpFamilies = ["IPv4"],
                IpFamilyPolicy = "SingleStack",
                Selector = new Dictionary<string, string> { ["app"] = port.Name.Name },
                Ports = [new V1ServicePort { Name = port.Name.Port, Protocol = "TCP", Port = port.Port, TargetPort = 8080, NodePort = port.NodePort }],
                SessionAffinity = port.AffinitySeconds is null ? "None" : "ClientIP",
                SessionAffinityConfig = port.AffinitySeconds is { } seconds ? new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = seconds } } : null,
                ExternalTrafficPolicy = port.NodePort is null ? null : port.ExternalPolicyLocal ? "Local" : "Cluster",
                HealthCheckNodePort = port.HealthCheckNodePort,
            },
        };
    }

    /// <param name="moved">Endpoint 0 at its alternate address, as after a pod was replaced.</param>
    /// <param name="triggered">When the change was made, for the agent's latency measurement.</param>
    public static V1EndpointSlice Slice(int index, bool moved = false, DateTimeOffset? triggered = null)
    {
        var port = SyntheticModel.Service(index, mix: Mix);
        return new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                Name = $"{port.Name.Name}-x7k2q",
                NamespaceProperty = port.Name.Namespace,
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/service-name"] = port.Name.Name,
                    ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
                },
                // The controller's RFC 3339 form with nanoseconds: the agent measures from this instant.
                Annotations = triggered is { } at
                    ? new Dictionary<string, string> { [TriggerTimeAnnotation] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) }
                    : null,
            },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = port.Name.Port, Port = 8080, Protocol = "TCP" }],
            Endpoints = [.. port.ClusterEndpoints.Select((e, i) => new V1Endpoint
            {
                Addresses = [i == 0 && moved ? Moved(e) : e.Address.ToString()],
                Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                NodeName = e.NodeName,
            })],
        };
    }

    /// <summary>One YAML file per kind, as `kubectl get -o yaml` would give them, for `nodeproxy run --source`.</summary>
    public static async Task WriteManifestsAsync(string folder, int services, CancellationToken cancel)
    {
        await WriteDocumentsAsync(Path.Combine(folder, "nodes.yaml"), [Node()], cancel);
        await WriteDocumentsAsync(Path.Combine(folder, "services.yaml"), Enumerable.Range(0, services).Select(Service), cancel);
        await WriteDocumentsAsync(Path.Combine(folder, "endpointslices.yaml"), Enumerable.Range(0, services).Select(i => Slice(i)), cancel);
    }

    /// <summary>
    /// Block-style YAML by way of the client's JSON serializer: KubernetesYaml.Serialize takes
    /// about a millisecond an object (20 s for a 10k-service cluster), the JSON one a twentieth.
    /// </summary>
    private static async Task WriteDocumentsAsync(string file, IEnumerable<object> objects, CancellationToken cancel)
    {
        var text = new StringBuilder();
        foreach (var obj in objects)
        {
            text.Append("---\n");
            AppendYaml(text, JsonNode.Parse(KubernetesJson.Serialize(obj))!, indent: 0);
        }

        await File.WriteAllTextAsync(file, text.ToString(), cancel);
    }

    /// <summary>Appends the lines of a mapping or sequence at <paramref name="indent"/>, each ending in a newline.</summary>
    private static void AppendYaml(StringBuilder text, JsonNode node, int indent)
    {
        if (node is JsonObject mapping)
        {
            foreach (var (key, value) in mapping.Where(p => p.Value is not null))
            {
                text.Append(' ', indent).Append(PlainKey().IsMatch(key) ? key : JsonSerializer.Serialize(key)).Append(':');
                AppendValue(text, value!, indent + 2);
            }
        }
        else
        {
            foreach (var item in node.AsArray().OfType<JsonNode>())
            {
                // "- " then the item's first line; its other lines line up under that one.
                text.Append(' ', indent).Append("- ");
                if (item is JsonObject or JsonArray && Count(item) > 0)
                {
                    var start = text.Length;
                    AppendYaml(text, item, indent + 2);
                    text.Remove(start, indent + 2);
                }
                else
                {
                    AppendScalar(text, item);
                    text.Append('\n');
                }
            }
        }
    }

    private static void AppendValue(StringBuilder text, JsonNode value, int indent)
    {
        if (value is JsonObject or JsonArray && Count(value) > 0)
        {
            text.Append('\n');
            AppendYaml(text, value, indent);
            return;
        }

        text.Append(' ');
        AppendScalar(text, value);
        text.Append('\n');
    }

    /// <summary>Strings double-quoted, which YAML reads as JSON does: "80" and "true" stay strings.</summary>
    private static void AppendScalar(StringBuilder text, JsonNode value) =>
        text.Append(value switch
        {
            JsonObject => "{}",
            JsonArray => "[]",
            _ => value.ToJsonString(),
        });

    private static int Count(JsonNode node) => node is JsonObject o ? o.Count : node.AsArray().Count;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._/-]*$")]
    private static partial Regex PlainKey();

    private static string Moved(Endpoint endpoint)
    {
        var bytes = endpoint.Address.GetAddressBytes();
        return $"{bytes[0]}.{MovedEndpointSecondOctet + bytes[1] - 64}.{bytes[2]}.{bytes[3]}";
    }
}
