using System.Text.Json;
using k8s;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// One item of a list or one watch event's object, decoded on its own: either the object, or why
/// it could not be (with what its metadata still says). One bad object never costs the others.
/// </summary>
public sealed record Decoded<T>(T? Object, ObjectRef Ref, string? Error)
    where T : class
{
    public bool Failed => Object is null;

    /// <summary>Decodes exactly as KubernetesClient does (its own serializer options), catching only what a bad value throws.</summary>
    /// <param name="keep">What to keep of the object once decoded; all of it when null.</param>
    public static Decoded<T> From(JsonElement item, Func<T, T>? keep = null)
    {
        try
        {
            return KubernetesJson.Deserialize<T>(item) is { } decoded
                ? new(keep is null ? decoded : keep(decoded), ObjectRef.Read(item), null)
                : new(null, ObjectRef.Read(item), "the object is null");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException or OverflowException or ArgumentException)
        {
            return new(null, ObjectRef.Read(item), ObjectRef.Escape(e.Message));
        }
    }
}
