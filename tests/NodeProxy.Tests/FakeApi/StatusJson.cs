using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace NodeProxy.Tests.FakeApi;

/// <summary>
/// KubernetesJson cannot write a V1Status (the client only reads them: its V1Status converter throws
/// NotImplementedException on Write), so statuses are written with a copy of its options less that converter.
/// </summary>
static class StatusJson
{
    static readonly JsonSerializerOptions Options = WithoutStatusConverter();

    public static string Serialize(V1Status status) => JsonSerializer.Serialize(status, Options);

    static JsonSerializerOptions WithoutStatusConverter()
    {
        JsonSerializerOptions? copy = null;
        // The callback hands over the client's shared options; only a copy is changed.
        KubernetesJson.AddJsonOptions(shared => copy = new JsonSerializerOptions(shared));
        foreach (var converter in copy!.Converters.Where(c => c.CanConvert(typeof(V1Status))).ToList())
            copy.Converters.Remove(converter);
        // HasObject is the client's own bookkeeping, not a field of the apiserver's Status.
        copy.TypeInfoResolver = (copy.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(info =>
        {
            if (info.Type == typeof(V1Status) && info.Properties.FirstOrDefault(p => p.Name == "hasObject") is { } hasObject)
                info.Properties.Remove(hasObject);
        });
        return copy;
    }
}
