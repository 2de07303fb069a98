using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace NodeProxy.Tests.FakeApi;

/// <summary>
/// How a stored object goes on the wire: as KubernetesClient serializes it, or as a test bent it
/// (a port as a string, say), which the typed objects cannot hold: what a buggy, skewed or
/// hostile API server can send.
/// </summary>
static class WireJson
{
    static readonly ConditionalWeakTable<object, Func<string, string>> Bent = [];

    // A stored object is never changed (a change stores a new copy), so its encoding holds for
    // good, as in the API server's watch cache, which encodes an object once for all watchers.
    static readonly ConditionalWeakTable<object, byte[]> Encoded = [];

    // KubernetesClient's encoding plus the one type its source-generated context lacks: a decoded
    // managedFields[].fieldsV1 (an object on the wire, `object` in the model) is a JsonElement,
    // and a real API server sends managedFields with every object.
    static readonly JsonSerializerOptions Options = new(SourceGenerationContext.Default.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(SourceGenerationContext.Default, new JsonElementInfo()),
    };

    public static string Of(object obj) => System.Text.Encoding.UTF8.GetString(Utf8(obj));

    /// <summary>As KubernetesClient encodes the object, managedFields included.</summary>
    public static string Serialize(object obj) => JsonSerializer.Serialize(obj, Options.GetTypeInfo(obj.GetType()));

    /// <summary>The object's wire JSON as UTF-8, encoded on first use.</summary>
    public static byte[] Utf8(object obj) => Encoded.GetValue(obj, o =>
    {
        var json = Serialize(o);
        return System.Text.Encoding.UTF8.GetBytes(Bent.TryGetValue(o, out var bend) ? bend(json) : json);
    });

    public static void Bend(object obj, Func<string, string> bend)
    {
        Bent.AddOrUpdate(obj, bend);
        Encoded.Remove(obj);
    }

    /// <summary>A copy (the DELETED event's) goes out as bent as its original.</summary>
    public static void Copy(object from, object to)
    {
        if (Bent.TryGetValue(from, out var bend))
            Bend(to, bend);
    }

    sealed class JsonElementInfo : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
            type == typeof(JsonElement) ? JsonMetadataServices.CreateValueInfo<JsonElement>(options, JsonMetadataServices.JsonElementConverter) : null;
    }
}
