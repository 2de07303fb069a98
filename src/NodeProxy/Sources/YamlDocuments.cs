using System.Text;

namespace NodeProxy.Sources;

/// <param name="Index">Position in the file, counting from 0.</param>
/// <param name="FirstLine">1-based line of the file where the document text starts.</param>
internal sealed record YamlDocumentText(int Index, int FirstLine, string Text);

/// <summary>
/// Splits a YAML stream at its "---" markers, so that each document can be parsed on its own
/// and a syntax error in one does not lose the others (a YAML parser stops at the first error).
/// </summary>
internal static class YamlDocuments
{
    public static IReadOnlyList<YamlDocumentText> Split(string text)
    {
        var documents = new List<YamlDocumentText>();
        var current = new StringBuilder();
        var firstLine = 1;
        var lineNumber = 0;
        var sawMarker = false;

        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNumber++;
            if (line == "---" || line.StartsWith("--- ", StringComparison.Ordinal))
            {
                // Comments before the first marker are a preamble, not an empty document of their own.
                if (sawMarker || !IsPreamble(current.ToString()))
                {
                    documents.Add(new YamlDocumentText(documents.Count, firstLine, current.ToString()));
                }

                sawMarker = true;
                current.Clear();
                // "--- {...}" or "--- !tag" carries content on the marker line; keep it on the
                // same line number so that parser positions still point into the file.
                current.Append(' ', 4).Append(line.AsSpan(Math.Min(line.Length, 4))).Append('\n');
                firstLine = lineNumber;
                continue;
            }

            current.Append(line).Append('\n');
        }

        documents.Add(new YamlDocumentText(documents.Count, firstLine, current.ToString()));
        return documents;
    }

    private static bool IsPreamble(string text) =>
        text.Split('\n').All(line => line.TrimStart() is "" || line.TrimStart().StartsWith('#') || line.StartsWith('%'));
}
