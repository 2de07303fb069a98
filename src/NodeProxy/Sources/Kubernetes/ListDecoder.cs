using System.Text.Json;
using System.Text.Json.Serialization;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// Reads a list response as it streams in, one item at a time: each item is parsed on its own
/// (a small JSON document, then the typed object) and decoded or rejected alone. Neither the
/// whole body as text nor a document of the whole list is ever held: at 10k Services x 10
/// endpoints that would be hundreds of MB at once.
/// </summary>
public static class ListDecoder<T> where T : class
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new ItemConverter() },
    };

    /// <exception cref="JsonException">The body is not a list at all (not even one whose items can be told apart).</exception>
    public static async Task<ResourceList<T>> ReadAsync(Stream body, CancellationToken cancel)
    {
        var list = await JsonSerializer.DeserializeAsync<Envelope>(body, Options, cancel)
            ?? throw new JsonException("the list response is null");
        return new ResourceList<T>(list.Items ?? [], list.Metadata?.ResourceVersion ?? "");
    }

    private sealed record Envelope(ListMeta? Metadata, List<Decoded<T>>? Items);

    private sealed record ListMeta(string? ResourceVersion);

    /// <summary>
    /// The serializer buffers a whole item before calling a converter that cannot resume, so each
    /// item is complete here, and only it is.
    /// </summary>
    private sealed class ItemConverter : JsonConverter<Decoded<T>>
    {
        public override Decoded<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var item = JsonDocument.ParseValue(ref reader);
            return Decoded<T>.From(item.RootElement);
        }

        public override void Write(Utf8JsonWriter writer, Decoded<T> value, JsonSerializerOptions options) =>
            throw new NotSupportedException("lists are only read");
    }
}
