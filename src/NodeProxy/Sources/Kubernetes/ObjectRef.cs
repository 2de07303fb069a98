using System.Text;
using System.Text.Json;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// What can be read of an object's metadata even when the object itself cannot be decoded:
/// enough to name it in a log line and to find (and drop) the version the store holds.
/// </summary>
public sealed record ObjectRef(string? Namespace, string? Name, string? Uid, string? ResourceVersion)
{
    public static readonly ObjectRef Unknown = new(null, null, null, null);

    /// <summary>The store's key, as <see cref="ObjectStore{T}"/> builds it from a decoded object.</summary>
    public string Key => $"{Namespace}/{Name}";

    public bool HasName => !string.IsNullOrEmpty(Name);

    /// <summary>namespace/name for a log line: control characters escaped, so a name cannot forge or split lines.</summary>
    public string Display => HasName ? Escape(string.IsNullOrEmpty(Namespace) ? Name! : $"{Namespace}/{Name}") : "(no readable name)";

    /// <summary>Reads metadata leniently: whatever is not a string is left out.</summary>
    public static ObjectRef Read(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            return Unknown;
        }

        return new(Text(metadata, "namespace"), Text(metadata, "name"), Text(metadata, "uid"), Text(metadata, "resourceVersion"));
    }

    /// <summary>Control characters become \n, \t, \u001b and so on; a long name is cut with its length said.</summary>
    public static string Escape(string text)
    {
        const int Longest = 300;
        var shown = new StringBuilder(Math.Min(text.Length, Longest) + 16);
        foreach (var c in text.Length > Longest ? text[..Longest] : text)
        {
            _ = c switch
            {
                '\n' => shown.Append("\\n"),
                '\r' => shown.Append("\\r"),
                '\t' => shown.Append("\\t"),
                '\\' => shown.Append("\\\\"),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => shown.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => shown.Append(c),
            };
        }

        return text.Length > Longest ? shown.Append(System.Globalization.CultureInfo.InvariantCulture, $"... ({text.Length} characters)").ToString() : shown.ToString();
    }

    private static string? Text(JsonElement metadata, string property) =>
        metadata.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
