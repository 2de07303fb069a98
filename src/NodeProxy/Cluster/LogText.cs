using System.Globalization;
using System.Text;

namespace NodeProxy.Cluster;

/// <summary>
/// Text from cluster objects made safe for a log line: a hostile name must not end the line,
/// forge another one, move the cursor or flip the text direction, nor fill the log. Control and
/// format characters become \xNN or \uNNNN (and '\' becomes "\\", so an escape is never
/// ambiguous); past <c>max</c> characters the rest is counted, not written.
/// </summary>
public static class LogText
{
    public const int MaxLength = 300;

    public static string Escape(string? text, int max = MaxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        if (text.Length <= max && !text.Any(NeedsEscape))
        {
            return text;
        }

        var builder = new StringBuilder();
        var shown = Math.Min(text.Length, max);
        for (var i = 0; i < shown; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                builder.Append(@"\\");
            }
            else if (NeedsEscape(c))
            {
                builder.Append(c <= 0xff ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        if (text.Length > shown)
        {
            builder.Append(CultureInfo.InvariantCulture, $"...({text.Length - shown} more characters)");
        }

        return builder.ToString();
    }

    /// <summary>Controls (C0, DEL, C1), line and paragraph separators, bidi and other format characters, lone surrogates.</summary>
    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c == '\\' || char.IsSurrogate(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
