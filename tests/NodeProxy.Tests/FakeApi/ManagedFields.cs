using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace NodeProxy.Tests.FakeApi;

/// <summary>
/// The managedFields entry a real API server records on every write: which manager set which
/// fields, as a FieldsV1 tree of "f:" keys. Every object a real server sends carries it, lists and
/// watch events included, and it is often the larger part of a small object.
/// </summary>
static class ManagedFields
{
    // Server-owned metadata that no manager's entry names.
    static readonly HashSet<string> ServerOwned = ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"];

    /// <summary>Gives the stored object an entry for the fields it holds, unless the caller wrote its own.</summary>
    public static void Record(IKubernetesObject<V1ObjectMeta> stored, string apiVersion)
    {
        if (stored.Metadata.ManagedFields is { Count: > 0 })
            return;
        var json = JsonNode.Parse(WireJson.Serialize(stored))!.AsObject();
        json.Remove("kind");
        json.Remove("apiVersion");
        using var fields = JsonDocument.Parse(Fields(json, top: true).ToJsonString());
        stored.Metadata.ManagedFields =
        [
            new V1ManagedFieldsEntry
            {
                Manager = "kubectl-client-side-apply",
                Operation = "Update",
                ApiVersion = apiVersion,
                Time = stored.Metadata.CreationTimestamp ?? new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
                FieldsType = "FieldsV1",
                FieldsV1 = fields.RootElement.Clone(),
            },
        ];
    }

    // Nested "f:" keys down to each value: the shape of a real entry, without its list item keys
    // ("k:{...}"), which nothing here reads.
    static JsonObject Fields(JsonObject obj, bool top = false)
    {
        var fields = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (top && name == "metadata")
            {
                var meta = new JsonObject();
                foreach (var (key, inner) in value!.AsObject())
                    if (!ServerOwned.Contains(key))
                        meta["f:" + key] = inner is JsonObject o ? Fields(o) : new JsonObject();
                fields["f:metadata"] = meta;
                continue;
            }
            fields["f:" + name] = value is JsonObject nested ? Fields(nested) : new JsonObject();
        }
        return fields;
    }
}
