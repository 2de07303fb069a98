using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Sources;

public sealed class YamlDocumentsTests
{
    [Fact]
    public void SplitsAtMarkersOnly()
    {
        var documents = YamlDocuments.Split("# preamble\r\n---\r\na: 1\r\nb: |\r\n  ---\r\n--- # next\r\nc: 3\r\n---x: 4\r\n");

        Assert.Equal([0, 1], documents.Select(d => d.Index));
        Assert.Equal([2, 6], documents.Select(d => d.FirstLine));
        Assert.Contains("  ---", documents[0].Text);
        Assert.Contains("---x: 4", documents[1].Text);
    }

    [Fact]
    public void TextWithoutMarkersIsOneDocument()
    {
        var document = Assert.Single(YamlDocuments.Split("a: 1\n"));

        Assert.Equal((0, 1), (document.Index, document.FirstLine));
    }
}
