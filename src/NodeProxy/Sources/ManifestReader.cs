using System.Collections.Immutable;
using System.Text.Json;
using k8s;
using k8s.Models;
using NodeProxy.Cluster;
using YamlDotNet.Core;

namespace NodeProxy.Sources;

/// <summary>
/// Turns manifest files into the four kinds NodeProxy acts on. Each document, and each item of
/// a List, loads or fails on its own; other kinds are skipped because a manifest folder
/// normally holds whole applications (Deployments, ConfigMaps, CRDs...).
/// </summary>
internal sealed class ManifestReader
{
    private const string ProblemKind = "Manifest";
    private const string Malformed = "MalformedDocument";

    // Our own map rather than a loader by kind: one unknown document (a CRD, a "List") must not
    // fail a whole file. Decoding is KubernetesJson's, as for objects from the API server.
    private static readonly Dictionary<(string ApiVersion, string Kind), Func<ManifestReader, JsonElement, IKubernetesObject>> Loaders = new()
    {
        [("v1", "Service")] = (reader, json) => Add(reader.services, Decode<V1Service>(json)),
        [("discovery.k8s.io/v1", "EndpointSlice")] = (reader, json) => Add(reader.slices, Decode<V1EndpointSlice>(json)),
        [("v1", "Pod")] = (reader, json) => Add(reader.pods, Decode<V1Pod>(json)),
        [("v1", "Node")] = (reader, json) => Add(reader.nodes, Decode<V1Node>(json)),
    };

    private readonly Dictionary<object, string> origins = new(ReferenceEqualityComparer.Instance);

    private readonly List<V1Service> services = [];
    private readonly List<V1EndpointSlice> slices = [];
    private readonly List<V1Pod> pods = [];
    private readonly List<V1Node> nodes = [];
    private readonly List<Problem> problems = [];

    public IReadOnlyList<V1Service> Services => services;

    public IReadOnlyList<V1EndpointSlice> EndpointSlices => slices;

    public IReadOnlyList<V1Pod> Pods => pods;

    public IReadOnlyList<V1Node> Nodes => nodes;

    public ImmutableArray<Problem> Problems => [.. problems];

    /// <summary>The document (file#index, and .items[i] in a List) an object was read from.</summary>
    public string OriginOf(object loaded) => origins.GetValueOrDefault(loaded) ?? "?";

    public void ReadFile(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new Problem(ProblemKind, file, "UnreadableFile", e.Message));
            return;
        }

        if (ManifestFiles.IsJson(file))
        {
            ReadJson(file, text);
            return;
        }

        foreach (var document in YamlDocuments.Split(text))
        {
            ReadDocument($"{file}#{document.Index}", document.Text, document.FirstLine - 1);
        }
    }

    private void ReadJson(string file, string text)
    {
        JsonDocument document;
        try
        {
            // JSON is YAML, but System.Text.Json reports JSON mistakes in JSON terms.
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = YamlJson.MaxDepth + 1 });
        }
        catch (JsonException e)
        {
            problems.Add(new Problem(ProblemKind, $"{file}#0", Malformed, e.Message));
            return;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Null)
            {
                ReadObject($"{file}#0", document.RootElement, new Source(null, null, "$"), inherited: null);
            }
        }
    }

    /// <param name="lineOffset">Lines of the file before the document.</param>
    private void ReadDocument(string name, string text, int lineOffset)
    {
        JsonDocument? document;
        try
        {
            document = YamlJson.Parse(text);
        }
        catch (YamlException e)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, Describe(e, lineOffset)));
            return;
        }

        using (document)
        {
            if (document is not null && document.RootElement.ValueKind != JsonValueKind.Null)
            {
                ReadObject(name, document.RootElement, new Source(text, lineOffset, "$"), inherited: null);
            }
        }
    }

    /// <param name="source">Where the object sits, so that a decode error can point into the file.</param>
    /// <param name="inherited">apiVersion and kind implied by a typed list such as ServiceList,
    /// whose items the API server writes without them.</param>
    private void ReadObject(string name, JsonElement node, Source source, (string ApiVersion, string Kind)? inherited)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, $"expected an object, found {Describe(node.ValueKind)}"));
            return;
        }

        var apiVersion = Scalar(node, "apiVersion") ?? inherited?.ApiVersion;
        var kind = Scalar(node, "kind") ?? inherited?.Kind;
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            problems.Add(new Problem(ProblemKind, name, "MissingKind", "the document has no apiVersion or no kind"));
            return;
        }

        if (kind.EndsWith("List", StringComparison.Ordinal) && node.TryGetProperty("items", out var items))
        {
            ReadList(name, apiVersion, kind, items, source);
            return;
        }

        if (!Loaders.TryGetValue((apiVersion, kind), out var load))
        {
            return;
        }

        try
        {
            var loaded = load(this, node);
            (loaded.ApiVersion, loaded.Kind) = (apiVersion, kind);
            origins[loaded] = name;
        }
        catch (JsonException e)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, Describe(e, source)));
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, e.Message));
        }
    }

    private void ReadList(string name, string apiVersion, string kind, JsonElement items, Source source)
    {
        if (items.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (items.ValueKind != JsonValueKind.Array)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, $"{kind} items is not a list"));
            return;
        }

        // A plain "List" mixes kinds and every item names its own; "ServiceList" and the like do not.
        (string, string)? implied = kind == "List" ? null : (apiVersion, kind[..^"List".Length]);
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Null)
            {
                ReadObject($"{name}.items[{i}]", item, source with { Path = $"{source.Path}.items[{i}]" }, implied);
            }

            i++;
        }
    }

    private static T Decode<T>(JsonElement json) => KubernetesJson.Deserialize<T>(json) ?? throw new JsonException("the object is null");

    private static T Add<T>(List<T> list, T item)
    {
        list.Add(item);
        return item!;
    }

    private static string? Scalar(JsonElement mapping, string key) =>
        !mapping.TryGetProperty(key, out var value) ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? value.GetRawText()
        : null;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => $"a {kind.ToString().ToLowerInvariant()} value",
    };

    /// <summary>The loader wraps the useful message in a generic one.</summary>
    private static string Describe(YamlException e, int? lineOffset)
    {
        var innermost = (Exception)e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        var message = innermost == e ? e.Message : $"{e.Message}: {innermost.Message}";
        return lineOffset is { } offset && e.Start.Line > 0 ? $"line {e.Start.Line + offset}: {message}" : message;
    }

    /// <summary>
    /// A decode error names a JSON path and a position in JSON the user never wrote: point at the
    /// YAML line and quote the value instead ("line 9: spec.ports[0].port 'eighty': ...").
    /// </summary>
    private static string Describe(JsonException e, Source source)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        message = cut >= 0 ? message[..cut] : message;
        if (e.Path is not { } path)
        {
            return message;
        }

        var full = source.Path + path[1..];
        var field = full.TrimStart('$').TrimStart('.');
        if (source.Text is null || YamlJson.Locate(source.Text, full) is not { } found)
        {
            return $"{field}: {message}";
        }

        var value = found.Scalar is null ? "" : $" '{found.Scalar}'";
        return $"line {found.Start.Line + source.LineOffset}: {field}{value}: {message}";
    }

    /// <param name="Text">The YAML document the object is in; null for JSON files.</param>
    /// <param name="LineOffset">Lines of the file before the document.</param>
    /// <param name="Path">The object's JSON path within the document ("$", "$.items[3]").</param>
    private sealed record Source(string? Text, int? LineOffset, string Path);
}
