using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NodeProxy.Sources;

/// <summary>
/// One YAML document as JSON, the way kubectl reads a manifest: plain scalars are typed by the
/// YAML 1.2 core schema (80 is a number, true a boolean, ~ null), quoted scalars are always
/// strings. Manifests then go through the same source-generated JSON decoder as objects from
/// the API server, so `targetPort: 8080` and `targetPort: "http"` mean what they mean there.
/// Aliases are refused (no billion-laughs expansion), as are duplicate keys, tags outside the
/// core schema and nesting deeper than <see cref="MaxDepth"/>; each is a <see cref="YamlException"/>
/// with the position of the offending node.
/// </summary>
internal static class YamlJson
{
    /// <summary>Collections inside collections; System.Text.Json's own default cap, and far
    /// deeper than any Kubernetes object.</summary>
    public const int MaxDepth = 64;

    private const string CoreTagPrefix = "tag:yaml.org,2002:";

    /// <summary>The first document of <paramref name="text"/>, or null when it has none.</summary>
    /// <param name="typed">False keeps every non-null scalar as the string written (for
    /// settings, where "0x10" is the flag's text, not 16).</param>
    /// <exception cref="YamlException">A syntax error or a refused construct.</exception>
    public static JsonDocument? Parse(string text, bool typed = true)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = MaxDepth + 1 }))
        {
            if (!new Walker(text, typed, target: null).Write(writer))
            {
                return null;
            }
        }

        return JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = MaxDepth + 1 });
    }

    /// <summary>
    /// Where in <paramref name="text"/> the node at a System.Text.Json error path ("$.spec.ports[0].port")
    /// starts, and its text when it is a scalar; null when the path names no node. Only called
    /// on a decode error, so the happy path keeps no positions.
    /// </summary>
    public static (Mark Start, string? Scalar)? Locate(string text, string jsonPath)
    {
        var walker = new Walker(text, typed: true, target: jsonPath);
        try
        {
            using var writer = new Utf8JsonWriter(Stream.Null, new JsonWriterOptions { MaxDepth = MaxDepth + 1 });
            walker.Write(writer);
        }
        catch (YamlException)
        {
            // The document parsed once already; a failure now can only be after the node.
        }

        return walker.Found;
    }

    private sealed class Walker(string text, bool typed, string? target)
    {
        private readonly Parser parser = new(new StringReader(text));
        private readonly List<string> path = [];

        public (Mark Start, string? Scalar)? Found { get; private set; }

        public bool Write(Utf8JsonWriter writer)
        {
            parser.Consume<StreamStart>();
            if (!parser.TryConsume<DocumentStart>(out _))
            {
                return false;
            }

            WriteNode(writer, depth: 0);
            // Anything after the first document is not read: YamlDocuments has split the file.
            return true;
        }

        private void WriteNode(Utf8JsonWriter writer, int depth)
        {
            Check(parser.Current);
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    throw new YamlException(alias.Start, alias.End, $"aliases (*{alias.Value}) are not supported: write the value out");
                case Scalar scalar:
                    parser.MoveNext();
                    WriteScalar(writer, scalar);
                    break;
                case SequenceStart start:
                    Enter(start, depth);
                    writer.WriteStartArray();
                    parser.MoveNext();
                    for (var i = 0; !parser.TryConsume<SequenceEnd>(out _); i++)
                    {
                        path.Add($"[{i}]");
                        WriteNode(writer, depth + 1);
                        path.RemoveAt(path.Count - 1);
                    }

                    writer.WriteEndArray();
                    break;
                case MappingStart start:
                    Enter(start, depth);
                    writer.WriteStartObject();
                    parser.MoveNext();
                    var keys = new HashSet<string>(StringComparer.Ordinal);
                    while (!parser.TryConsume<MappingEnd>(out _))
                    {
                        if (parser.Current is not Scalar key)
                        {
                            var at = parser.Current!;
                            throw new YamlException(at.Start, at.End, "a key must be a plain value, not a list, an object or an alias");
                        }

                        if (!keys.Add(key.Value))
                        {
                            throw new YamlException(key.Start, key.End, $"duplicate key '{key.Value}'");
                        }

                        parser.MoveNext();
                        writer.WritePropertyName(key.Value);
                        path.Add(PathSegment(key.Value));
                        WriteNode(writer, depth + 1);
                        path.RemoveAt(path.Count - 1);
                    }

                    writer.WriteEndObject();
                    break;
                default:
                    var other = parser.Current!;
                    throw new YamlException(other.Start, other.End, $"unexpected {other.GetType().Name}");
            }
        }

        private void Enter(NodeEvent start, int depth)
        {
            if (depth >= MaxDepth)
            {
                throw new YamlException(start.Start, start.End, $"nested deeper than {MaxDepth} levels");
            }
        }

        /// <summary>Records the node at the target path, when locating.</summary>
        private void Check(ParsingEvent? node)
        {
            if (target is not null && node is not null && Found is null && "$" + string.Concat(path) == target)
            {
                Found = (node.Start, (node as Scalar)?.Value);
            }
        }

        private void WriteScalar(Utf8JsonWriter writer, Scalar scalar)
        {
            var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
            var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any;
            if (tag is "!" or CoreTagPrefix + "str" || (tag is null && !plain))
            {
                writer.WriteStringValue(scalar.Value);
                return;
            }

            var resolved = typed || tag is not null ? Resolve(scalar.Value) : (IsNull(scalar.Value) ? Kind.Null : Kind.String);
            var wanted = tag switch
            {
                null => resolved,
                CoreTagPrefix + "null" => Kind.Null,
                CoreTagPrefix + "bool" => Kind.Bool,
                CoreTagPrefix + "int" => Kind.Int,
                CoreTagPrefix + "float" => resolved == Kind.Int ? Kind.Int : Kind.Float,
                _ => throw new YamlException(scalar.Start, scalar.End, $"tag {tag} is not supported"),
            };
            if (wanted != resolved)
            {
                throw new YamlException(scalar.Start, scalar.End, $"'{scalar.Value}' is not a valid {tag}");
            }

            switch (resolved)
            {
                case Kind.Null:
                    writer.WriteNullValue();
                    break;
                case Kind.Bool:
                    writer.WriteBooleanValue(scalar.Value[0] is 't' or 'T');
                    break;
                case Kind.Int or Kind.Float:
                    writer.WriteRawValue(JsonNumber(scalar.Value));
                    break;
                default:
                    // .inf and .nan have no JSON spelling; a number field then fails to decode.
                    writer.WriteStringValue(scalar.Value);
                    break;
            }
        }
    }

    private enum Kind
    {
        String,
        Null,
        Bool,
        Int,
        Float,
    }

    private static bool IsNull(string value) => value is "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The YAML 1.2 core schema's resolution of a plain scalar.</summary>
    private static Kind Resolve(string value)
    {
        if (IsNull(value))
        {
            return Kind.Null;
        }

        if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return Kind.Bool;
        }

        if (IsPrefixed(value, "0o", "01234567") || IsPrefixed(value, "0x", "0123456789abcdefABCDEF"))
        {
            return Kind.Int;
        }

        var digits = value.AsSpan().TrimStart("+-");
        if (value.Length - digits.Length > 1)
        {
            return Kind.String;
        }

        if (digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9'))
        {
            return Kind.Int;
        }

        return IsDecimalFloat(digits) ? Kind.Float : Kind.String;
    }

    private static bool IsPrefixed(string value, string prefix, string alphabet) =>
        value.Length > prefix.Length && value.StartsWith(prefix, StringComparison.Ordinal) && value.AsSpan(prefix.Length).TrimStart(alphabet).IsEmpty;

    /// <summary>(\.[0-9]+ | [0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, sign already removed.</summary>
    private static bool IsDecimalFloat(ReadOnlySpan<char> text)
    {
        var e = text.IndexOfAny('e', 'E');
        var mantissa = e < 0 ? text : text[..e];
        var dot = mantissa.IndexOf('.');
        var whole = dot < 0 ? mantissa : mantissa[..dot];
        var fraction = dot < 0 ? [] : mantissa[(dot + 1)..];
        var mantissaOk = AllDigits(whole) && AllDigits(fraction) && (whole.Length > 0 || fraction.Length > 0) && !(whole.Length == 0 && dot < 0);
        if (!mantissaOk || (dot < 0 && e < 0))
        {
            return false;
        }

        if (e < 0)
        {
            return true;
        }

        var exponent = text[(e + 1)..];
        if (exponent.Length > 0 && exponent[0] is '+' or '-')
        {
            exponent = exponent[1..];
        }

        return exponent.Length > 0 && AllDigits(exponent);
    }

    private static bool AllDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');

    /// <summary>A core-schema number in JSON's stricter spelling (no '+', no leading zeros, no
    /// bare '.', decimal only); the value is kept exactly, however large.</summary>
    private static string JsonNumber(string value)
    {
        var negative = value.StartsWith('-');
        var unsigned = value.TrimStart('+', '-');
        if (unsigned.StartsWith("0o", StringComparison.Ordinal) || unsigned.StartsWith("0x", StringComparison.Ordinal))
        {
            var radix = unsigned[1] == 'o' ? 8 : 16;
            var number = BigInteger.Zero;
            foreach (var digit in unsigned.AsSpan(2))
            {
                number = (number * radix) + Convert.ToInt32(digit.ToString(), 16);
            }

            return number.ToString(CultureInfo.InvariantCulture);
        }

        var e = unsigned.IndexOfAny(['e', 'E']);
        var mantissa = e < 0 ? unsigned : unsigned[..e];
        var dot = mantissa.IndexOf('.');
        var whole = (dot < 0 ? mantissa : mantissa[..dot]).TrimStart('0');
        var fraction = dot < 0 ? "" : mantissa[(dot + 1)..];
        var json = new StringBuilder();
        json.Append(negative ? "-" : "").Append(whole.Length == 0 ? "0" : whole);
        if (fraction.Length > 0)
        {
            json.Append('.').Append(fraction);
        }

        if (e >= 0)
        {
            json.Append(unsigned.AsSpan(e));
        }

        return json.ToString();
    }

    /// <summary>A property as System.Text.Json writes it in an error's path.</summary>
    private static string PathSegment(string name) =>
        name.AsSpan().IndexOfAny("$. '/\"[]()\t\n\r\f\b\\\u0085\u2028\u2029") >= 0 ? $"['{name}']" : "." + name;
}
