using System.Text.Json;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// Reads a list response as it streams in, one item at a time: each item is parsed on its own
/// (a small JSON document, then the typed object) and decoded or rejected alone. Neither the
/// whole body as text nor a document of the whole list is ever held: at 10k Services x 10
/// endpoints that would be hundreds of MB at once. A reader of our own rather than the
/// serializer with a converter: that needs reflection over the envelope, which NativeAOT lacks.
/// </summary>
public static class ListDecoder<T> where T : class
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// The most one item (or the list's metadata) may take. The API server stores nothing near
    /// it (etcd refuses requests over 1.5 MiB by default); without a cap, one endless item from a
    /// broken or hostile server would take all the memory the agent has.
    /// </summary>
    public const int MaxItemBytes = 16 << 20;

    /// <exception cref="JsonException">The body is not a list at all (not even one whose items can be told apart).</exception>
    /// <param name="keep">
    /// What to keep of each decoded object (the stores' trimmed copy): applied item by item, so
    /// that a whole list of whole objects is never held at once.
    /// </param>
    public static async Task<ResourceList<T>> ReadAsync(Stream body, CancellationToken cancel, Func<T, T>? keep = null)
    {
        var parser = new Parser(keep);
        var buffer = new byte[ChunkBytes];
        var length = 0;
        while (!parser.Done)
        {
            if (length == buffer.Length)
            {
                // One item (or the metadata) larger than the buffer: it must fit whole.
                if (buffer.Length >= MaxItemBytes)
                {
                    throw new JsonException($"an item of the list is larger than {MaxItemBytes >> 20} MiB; the list is refused");
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxItemBytes));
            }

            var read = await body.ReadAsync(buffer.AsMemory(length), cancel);
            length += read;
            var consumed = parser.Advance(buffer.AsSpan(0, length), isFinalBlock: read == 0);
            buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
            length -= consumed;
            if (read == 0 && !parser.Done)
            {
                throw new JsonException("the list response ends before the list does");
            }
        }

        return new ResourceList<T>(parser.Items, parser.ResourceVersion ?? "") { Kept = keep is not null };
    }

    private enum Phase
    {
        Start,
        Fields,
        Items,
        Done,
    }

    /// <summary>The envelope's state between chunks: where in it the next token is.</summary>
    private sealed class Parser(Func<T, T>? keep)
    {
        private JsonReaderState state;
        private Phase phase = Phase.Start;

        public List<Decoded<T>> Items { get; } = [];

        public string? ResourceVersion { get; private set; }

        public bool Done => phase == Phase.Done;

        /// <returns>The bytes of whole steps taken; the rest waits for more data.</returns>
        public int Advance(ReadOnlySpan<byte> data, bool isFinalBlock)
        {
            var reader = new Utf8JsonReader(data, isFinalBlock, state);
            while (phase != Phase.Done)
            {
                var checkpoint = reader;
                if (!Step(ref reader))
                {
                    reader = checkpoint;
                    break;
                }
            }

            state = reader.CurrentState;
            return (int)reader.BytesConsumed;
        }

        /// <summary>One token, with the whole value it opens where that is kept or skipped; false when the data ends first.</summary>
        private bool Step(ref Utf8JsonReader reader)
        {
            if (!reader.Read())
            {
                return false;
            }

            switch (phase)
            {
                case Phase.Start:
                    phase = reader.TokenType == JsonTokenType.StartObject ? Phase.Fields : throw new JsonException("the list response is not an object");
                    return true;
                case Phase.Fields when reader.TokenType == JsonTokenType.EndObject:
                    phase = Phase.Done;
                    return true;
                case Phase.Fields:
                    return Field(ref reader);
                case Phase.Items when reader.TokenType == JsonTokenType.EndArray:
                    phase = Phase.Fields;
                    return true;
                default:
                    if (!Complete(reader))
                    {
                        return false;
                    }

                    using (var item = JsonDocument.ParseValue(ref reader))
                    {
                        Items.Add(Decoded<T>.From(item.RootElement, keep));
                    }

                    return true;
            }
        }

        /// <summary>A property of the list: its metadata, its items, or anything else (skipped).</summary>
        private bool Field(ref Utf8JsonReader reader)
        {
            var isItems = reader.ValueTextEquals("items"u8);
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            if (!reader.Read())
            {
                return false;
            }

            if (isItems && reader.TokenType == JsonTokenType.StartArray)
            {
                // Items are read one by one as they arrive, never the array whole.
                phase = Phase.Items;
                return true;
            }

            if (!Complete(reader))
            {
                return false;
            }

            if (isItems && reader.TokenType != JsonTokenType.Null)
            {
                throw new JsonException($"the list's items are a {reader.TokenType}, not an array");
            }
            else if (isMetadata && reader.TokenType == JsonTokenType.StartObject)
            {
                using var metadata = JsonDocument.ParseValue(ref reader);
                ResourceVersion = metadata.RootElement.TryGetProperty("resourceVersion", out var version) && version.ValueKind == JsonValueKind.String
                    ? version.GetString()
                    : null;
            }
            else
            {
                // Complete, so this skips it whole (Skip itself refuses a partial buffer).
                reader.TrySkip();
            }

            return true;
        }

        /// <summary>Whether the value starting at the reader's token is all in the data (a copy looks ahead).</summary>
        private static bool Complete(Utf8JsonReader lookahead) => lookahead.TrySkip();
    }
}
