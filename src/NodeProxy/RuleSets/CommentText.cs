using System.Buffers;
using System.Text;

namespace NodeProxy.RuleSets;

/// <summary>
/// What any text becomes before it is an iptables comment. Comments carry names taken from
/// objects (Services, ports, Pods), and whatever validation let through must neither end the
/// restore line or the quoted word (a newline, NUL or quote in a name would otherwise write a rule
/// of the name's choosing) nor be changed by the kernel, since the differ compares the kernel's
/// iptables-save text with ours byte for byte.
/// </summary>
public static class CommentText
{
    /// <summary>xt_comment keeps 256 bytes with the NUL; iptables cuts a longer comment silently.</summary>
    public const int MaxBytes = 255;

    /// <summary>Stands for each character outside <see cref="IsAllowed"/>.</summary>
    public const char Replacement = '?';

    /// <summary>Ends a comment that was cut to <see cref="MaxBytes"/>.</summary>
    public const string Cut = "...";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create([.. Enumerable.Range(0, 128).Select(c => (char)c).Where(IsAllowed)]);

    // What xtables_save_string prints without quotes.
    private static readonly SearchValues<char> Bare =
        SearchValues.Create("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    // Chosen over an escaping scheme: printable ASCII without the three characters iptables-save
    // escapes (" \ ') is read by iptables-restore's tokenizer exactly as written inside double
    // quotes, is printed back by both backends unchanged, and is one byte per character, so the
    // cap cannot split a UTF-8 sequence. A comment is for a person reading the rules, so it need
    // not be reversible: chains are named by hashes of the raw names (see ChainNames), so names
    // that read alike here never share a chain.
    public static bool IsAllowed(char c) => c is >= ' ' and <= '~' and not ('"' or '\\' or '\'');

    /// <summary>
    /// The text with every other character replaced (a surrogate pair, or a lone surrogate, is
    /// one character), cut to <see cref="MaxBytes"/> with <see cref="Cut"/> at the end.
    /// </summary>
    public static string Sanitize(string text) =>
        text.Length <= MaxBytes && !text.AsSpan().ContainsAnyExcept(Allowed) ? text : Rebuild(text);

    /// <summary>
    /// A sanitized comment as iptables-save prints it (xtables_save_string): bare when it is
    /// non-empty and only letters, digits, '_' and '-', otherwise in double quotes. Nothing inside
    /// needs a backslash, because <see cref="Sanitize"/> removed what iptables-save would escape.
    /// </summary>
    public static string Quote(string sanitized) =>
        sanitized.Length > 0 && !sanitized.AsSpan().ContainsAnyExcept(Bare) ? sanitized : "\"" + sanitized + "\"";

    private static string Rebuild(string text)
    {
        var safe = new StringBuilder(Math.Min(text.Length, MaxBytes + 1));
        foreach (var rune in text.EnumerateRunes())
        {
            safe.Append(rune.IsBmp && IsAllowed((char)rune.Value) ? (char)rune.Value : Replacement);
            if (safe.Length > MaxBytes)
            {
                return safe.ToString(0, MaxBytes - Cut.Length) + Cut;
            }
        }

        return safe.ToString();
    }
}
