using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>One watch event as read off the stream: its object decoded alone, or why it could not be.</summary>
/// <param name="Item">The object (ADDED, MODIFIED, DELETED); null for BOOKMARK and ERROR.</param>
/// <param name="Ref">What the event's metadata says, readable even when the object is not.</param>
/// <param name="Status">The ERROR event's status (a 410 Gone among them).</param>
public sealed record WatchEvent<T>(WatchEventType Type, Decoded<T>? Item, ObjectRef Ref, V1Status? Status)
    where T : class;

/// <summary>
/// Reads a watch stream, one newline-delimited JSON event at a time (as the API server frames
/// them), and decodes each on its own: a bad object is one bad event, never the end of the stream.
/// </summary>
public static class WatchDecoder<T> where T : class
{
    /// <summary>
    /// The most one event may take, as <see cref="ListDecoder{T}.MaxItemBytes"/> for a list item:
    /// a longer line ends the watch (and the informer lists again) instead of growing without end.
    /// </summary>
    public const int MaxEventBytes = ListDecoder<T>.MaxItemBytes;

    public static async IAsyncEnumerable<WatchEvent<T>> ReadAsync(Stream body, [EnumeratorCancellation] CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        var scanned = 0;
        while (true)
        {
            var newline = buffer.AsSpan(scanned, length - scanned).IndexOf((byte)'\n');
            if (newline < 0)
            {
                scanned = length;
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxEventBytes)
                    {
                        throw new InvalidDataException($"a watch event is larger than {MaxEventBytes >> 20} MiB; the watch is dropped");
                    }

                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxEventBytes));
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancel);
                if (read == 0)
                {
                    // The stream ended: a last line without its newline still counts, as a line reader would have it.
                    if (Line(buffer.AsSpan(0, length)) is { } last)
                    {
                        yield return Parse(last);
                    }

                    yield break;
                }

                length += read;
                continue;
            }

            var end = scanned + newline;
            var line = Line(buffer.AsSpan(0, end));
            buffer.AsSpan(end + 1, length - end - 1).CopyTo(buffer);
            length -= end + 1;
            scanned = 0;
            if (line is not null)
            {
                yield return Parse(line);
            }
        }
    }

    /// <summary>One line as text (bytes that are not UTF-8 become U+FFFD), or null when it is blank.</summary>
    private static string? Line(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes).TrimEnd('\r');
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    /// <exception cref="JsonException">The line is not JSON, or not an event.</exception>
    public static WatchEvent<T> Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("type", out var typeText) || typeText.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("object", out var obj))
        {
            throw new JsonException("a watch event without a type or an object");
        }

        var type = typeText.GetString() switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            var other => throw new JsonException($"unknown watch event type {ObjectRef.Escape(other ?? "")}"),
        };
        var reference = ObjectRef.Read(obj);
        return type switch
        {
            WatchEventType.Bookmark => new(type, null, reference, null),
            WatchEventType.Error => new(type, null, reference, Status(obj)),
            _ => new(type, Decoded<T>.From(obj), reference, null),
        };
    }

    private static V1Status Status(JsonElement obj)
    {
        try
        {
            return KubernetesJson.Deserialize<V1Status>(obj) ?? new V1Status { Message = "an ERROR event without a status" };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return new V1Status { Message = $"an ERROR event whose status cannot be read: {ObjectRef.Escape(e.Message)}" };
        }
    }
}
