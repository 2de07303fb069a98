using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NodeProxy.Cluster;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

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

    // Our own map rather than the client's LoadAllFromString: that one throws on any kind it has
    // no model for (CRDs, "List"), which would make one unknown document fail a whole file.
    private static readonly Dictionary<(string ApiVersion, string Kind), Func<ManifestReader, string, object>> Loaders = new()
    {
        [("v1", "Service")] = (reader, text) => Add(reader.services, KubernetesYaml.Deserialize<V1Service>(text)),
        [("discovery.k8s.io/v1", "EndpointSlice")] = (reader, text) => Add(reader.slices, KubernetesYaml.Deserialize<V1EndpointSlice>(text)),
        [("v1", "Pod")] = (reader, text) => Add(reader.pods, KubernetesYaml.Deserialize<V1Pod>(text)),
        [("v1", "Node")] = (reader, text) => Add(reader.nodes, KubernetesYaml.Deserialize<V1Node>(text)),
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
        string compact;
        try
        {
            // JSON is YAML, but System.Text.Json reports JSON mistakes in JSON terms.
            compact = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })?.ToJsonString() ?? "";
        }
        catch (JsonException e)
        {
            problems.Add(new Problem(ProblemKind, $"{file}#0", Malformed, e.Message));
            return;
        }

        ReadDocument($"{file}#0", compact, lineOffset: null);
    }

    /// <param name="lineOffset">Lines of the file before the document; null when positions in
    /// the parsed text mean nothing to the user.</param>
    private void ReadDocument(string name, string text, int? lineOffset)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, Describe(e, lineOffset)));
            return;
        }

        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        if (root is null || IsNull(root))
        {
            return;
        }

        ReadObject(name, root, text, lineOffset, inherited: null);
    }

    /// <param name="text">The object's own YAML when it is a whole document, so that parser
    /// errors carry file positions; null for List items, which are re-serialized.</param>
    /// <param name="inherited">apiVersion and kind implied by a typed list such as ServiceList,
    /// whose items the API server writes without them.</param>
    private void ReadObject(string name, YamlNode node, string? text, int? lineOffset, (string ApiVersion, string Kind)? inherited)
    {
        if (node is not YamlMappingNode mapping)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, $"expected an object, found a {node.NodeType.ToString().ToLowerInvariant()}"));
            return;
        }

        var apiVersion = Scalar(mapping, "apiVersion") ?? inherited?.ApiVersion;
        var kind = Scalar(mapping, "kind") ?? inherited?.Kind;
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            problems.Add(new Problem(ProblemKind, name, "MissingKind", "the document has no apiVersion or no kind"));
            return;
        }

        if (kind.EndsWith("List", StringComparison.Ordinal) && mapping.Children.TryGetValue("items", out var items))
        {
            ReadList(name, apiVersion, kind, items);
            return;
        }

        if (!Loaders.TryGetValue((apiVersion, kind), out var load))
        {
            return;
        }

        try
        {
            origins[load(this, text ?? Serialize(WithType(mapping, apiVersion, kind)))] = name;
        }
        catch (YamlException e)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, Describe(e, text is null ? null : lineOffset)));
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException or ArgumentException or InvalidOperationException)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, e.Message));
        }
    }

    private void ReadList(string name, string apiVersion, string kind, YamlNode items)
    {
        if (IsNull(items))
        {
            return;
        }

        if (items is not YamlSequenceNode sequence)
        {
            problems.Add(new Problem(ProblemKind, name, Malformed, $"{kind} items is not a list"));
            return;
        }

        // A plain "List" mixes kinds and every item names its own; "ServiceList" and the like do not.
        (string, string)? implied = kind == "List" ? null : (apiVersion, kind[..^"List".Length]);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (!IsNull(item))
            {
                ReadObject($"{name}.items[{i}]", item, text: null, lineOffset: null, implied);
            }
        }
    }

    private static T Add<T>(List<T> list, T item)
    {
        list.Add(item);
        return item!;
    }

    private static YamlMappingNode WithType(YamlMappingNode mapping, string apiVersion, string kind)
    {
        var copy = new YamlMappingNode(mapping.Children);
        copy.Children[new YamlScalarNode("apiVersion")] = new YamlScalarNode(apiVersion);
        copy.Children[new YamlScalarNode("kind")] = new YamlScalarNode(kind);
        return copy;
    }

    private static string Serialize(YamlNode node)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>The loader wraps the useful message ("'eighty' is not a number") in a generic one.</summary>
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
}
