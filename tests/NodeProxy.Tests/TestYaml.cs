using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NodeProxy.Sources;

namespace NodeProxy.Tests;

/// <summary>
/// Typed objects from a YAML file, through the agent's own loader and the client's JSON decoder
/// (the client's AOT flavour has no YAML). Strict: a field the model does not know (a typo in a
/// deployment file) is an error instead of being dropped silently.
/// </summary>
internal static class TestYaml
{
    private static readonly Dictionary<(string, string), Func<JsonElement, object?>> Types = new()
    {
        [("v1", "Namespace")] = e => KubernetesJson.Deserialize<V1Namespace>(e),
        [("v1", "ServiceAccount")] = e => KubernetesJson.Deserialize<V1ServiceAccount>(e),
        [("v1", "ConfigMap")] = e => KubernetesJson.Deserialize<V1ConfigMap>(e),
        [("v1", "Service")] = e => KubernetesJson.Deserialize<V1Service>(e),
        [("v1", "Pod")] = e => KubernetesJson.Deserialize<V1Pod>(e),
        [("v1", "Node")] = e => KubernetesJson.Deserialize<V1Node>(e),
        [("v1", "Endpoints")] = e => KubernetesJson.Deserialize<V1Endpoints>(e),
        [("discovery.k8s.io/v1", "EndpointSlice")] = e => KubernetesJson.Deserialize<V1EndpointSlice>(e),
        [("apps/v1", "DaemonSet")] = e => KubernetesJson.Deserialize<V1DaemonSet>(e),
        [("apps/v1", "Deployment")] = e => KubernetesJson.Deserialize<V1Deployment>(e),
        [("rbac.authorization.k8s.io/v1", "ClusterRole")] = e => KubernetesJson.Deserialize<V1ClusterRole>(e),
        [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = e => KubernetesJson.Deserialize<V1ClusterRoleBinding>(e),
    };

    /// <summary>Every non-empty document of the text, typed by its apiVersion and kind.</summary>
    /// <exception cref="InvalidDataException">A kind without a model here, or (strict) a field the model drops.</exception>
    public static IReadOnlyList<object> LoadAll(string text, bool strict = false)
    {
        var objects = new List<object>();
        foreach (var document in YamlDocuments.Split(text))
        {
            using var json = YamlJson.Parse(document.Text);
            if (json is null || json.RootElement.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var root = json.RootElement;
            var type = (root.GetProperty("apiVersion").GetString()!, root.GetProperty("kind").GetString()!);
            var decoded = Types.TryGetValue(type, out var decode) ? decode(root) : throw new InvalidDataException($"no model for {type}");
            if (strict)
            {
                var dropped = Missing(JsonNode.Parse(root.GetRawText())!, JsonNode.Parse(KubernetesJson.Serialize(decoded))!, "$");
                if (dropped is not null)
                {
                    throw new InvalidDataException($"{type} has no field {dropped}");
                }
            }

            objects.Add(decoded!);
        }

        return objects;
    }

    /// <summary>Any field as JSON text, YAML being a superset: what a test writes for the agent to read.</summary>
    public static string Serialize(object value) => KubernetesJson.Serialize(value);

    /// <summary>The first path of <paramref name="written"/> that the round trip lost.</summary>
    private static string? Missing(JsonNode written, JsonNode kept, string path) => (written, kept) switch
    {
        (JsonObject w, JsonObject k) => w.Select(p => k.TryGetPropertyValue(p.Key, out var v) && v is not null
                ? p.Value is null ? null : Missing(p.Value, v, $"{path}.{p.Key}")
                : p.Value is null ? null : $"{path}.{p.Key}")
            .FirstOrDefault(m => m is not null),
        (JsonArray w, JsonArray k) => w.Select((item, i) => item is null || i >= k.Count || k[i] is null ? null : Missing(item, k[i]!, $"{path}[{i}]"))
            .FirstOrDefault(m => m is not null),
        _ => null,
    };
}
