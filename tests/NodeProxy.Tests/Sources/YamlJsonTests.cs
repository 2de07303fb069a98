using System.Text.Json;
using NodeProxy.Sources;
using Xunit;
using YamlDotNet.Core;

namespace NodeProxy.Tests.Sources;

/// <summary>The YAML loader's typing and its refusals, as kubectl would read the same text.</summary>
public sealed class YamlJsonTests
{
    [Theory]
    [InlineData("80", "80")]
    [InlineData("\"80\"", "\"80\"")]
    [InlineData("'80'", "\"80\"")]
    [InlineData("+12", "12")]
    [InlineData("-007", "-7")]
    [InlineData("0x1F", "31")]
    [InlineData("0o17", "15")]
    [InlineData("1.5e3", "1.5e3")]
    [InlineData(".5", "0.5")]
    [InlineData("2.", "2")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("true", "true")]
    [InlineData("False", "false")]
    [InlineData("\"true\"", "\"true\"")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("~", "null")]
    [InlineData("null", "null")]
    [InlineData("", "null")]
    [InlineData("\"\"", "\"\"")]
    [InlineData("1_000", "\"1_000\"")]
    [InlineData("0x", "\"0x\"")]
    [InlineData("-0x10", "\"-0x10\"")]
    [InlineData("1e", "\"1e\"")]
    [InlineData(".inf", "\".inf\"")]
    [InlineData("10.0.0.1", "\"10.0.0.1\"")]
    [InlineData("!!str 80", "\"80\"")]
    [InlineData("!!int 80", "80")]
    [InlineData("[1, a, \"2\"]", "[1,\"a\",\"2\"]")]
    [InlineData("{b: 1}", "{\"b\":1}")]
    public void PlainScalarsAreTypedByTheCoreSchemaQuotedOnesAreStrings(string yaml, string json) =>
        Assert.Equal($"{{\"a\":{json}}}", Json($"a: {yaml}\n"));

    [Fact]
    public void SettingsKeepScalarsAsWritten()
    {
        using var document = YamlJson.Parse("bit: 0x10\nlist: [007, true]\nempty:\n", typed: false)!;

        Assert.Equal("{\"bit\":\"0x10\",\"list\":[\"007\",\"true\"],\"empty\":null}", document.RootElement.GetRawText());
    }

    [Fact]
    public void EmptyDocumentIsNothing()
    {
        Assert.Null(YamlJson.Parse(""));
        Assert.Null(YamlJson.Parse("# only a comment\n"));
    }

    [Theory]
    [InlineData("a: &x [1, 2]\nb: *x\n", "aliases")]
    [InlineData("base: &b {port: 80}\nuse:\n  <<: *b\n", "aliases")]
    [InlineData("a: 1\na: 2\n", "duplicate key 'a'")]
    [InlineData("? [1, 2]\n: x\n", "a key must be a plain value")]
    [InlineData("a: !custom 1\n", "tag !custom is not supported")]
    [InlineData("a: !!int eighty\n", "'eighty' is not a valid tag:yaml.org,2002:int")]
    [InlineData("a: [1, 2\n", "")]
    public void RefusedDocumentsThrowWithAPosition(string yaml, string message)
    {
        var e = Assert.ThrowsAny<YamlException>(() => YamlJson.Parse(yaml));

        Assert.Contains(message, e.Message);
        Assert.True(e.Start.Line >= 1);
    }

    [Fact]
    public void AliasBombIsRefusedAtTheFirstAlias()
    {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(0, 9).Select(i => $"{(char)('b' + i)}: &{(char)('b' + i)} [*{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}]\n"));

        var e = Assert.ThrowsAny<YamlException>(() => YamlJson.Parse(bomb));

        Assert.Equal(2, e.Start.Line);
    }

    [Fact]
    public void NestingIsCappedAtMaxDepth()
    {
        static string Nested(int depth) => new string('[', depth) + new string(']', depth);

        using var deepest = YamlJson.Parse($"a: {Nested(YamlJson.MaxDepth - 1)}\n");
        var e = Assert.ThrowsAny<YamlException>(() => YamlJson.Parse($"a: {Nested(YamlJson.MaxDepth)}\n"));
        var far = Assert.ThrowsAny<YamlException>(() => YamlJson.Parse($"a: {Nested(100_000)}\n"));

        Assert.NotNull(deepest);
        Assert.Contains($"nested deeper than {YamlJson.MaxDepth} levels", e.Message);
        Assert.Contains("nested deeper", far.Message);
    }

    [Fact]
    public void LocateFindsTheNodeAtAnErrorPath()
    {
        const string yaml = "metadata:\n  labels:\n    kubernetes.io/name: web\n    tier: 5\nspec:\n  ports:\n    - port: 80\n    - port: eighty\n";

        Assert.Equal((8, "eighty"), Found(yaml, "$.spec.ports[1].port"));
        Assert.Equal((3, "web"), Found(yaml, "$.metadata.labels['kubernetes.io/name']"));
        // A block mapping starts at its first key.
        Assert.Equal((3, null), Found(yaml, "$.metadata.labels"));
        Assert.Null(YamlJson.Locate(yaml, "$.spec.ports[2]"));
    }

    private static (int, string?)? Found(string yaml, string path) =>
        YamlJson.Locate(yaml, path) is { } found ? ((int)found.Start.Line, found.Scalar) : null;

    private static string Json(string yaml)
    {
        using var document = YamlJson.Parse(yaml)!;
        return document.RootElement.GetRawText();
    }
}
