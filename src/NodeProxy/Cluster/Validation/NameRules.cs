namespace NodeProxy.Cluster.Validation;

/// <summary>
/// Whether a string satisfies a <see cref="NameFormat"/>, written out by hand rather than as
/// regular expressions: each rule is a few character classes and a length, and a hostile
/// 1 MB name is then refused after its first bad character.
/// </summary>
public static class NameRules
{
    public const int LabelMax = 63;
    public const int SubdomainMax = 253;
    public const int IanaSvcNameMax = 15;

    public static bool IsValid(NameFormat format, string? text) => Violation(format, text) is null;

    /// <summary>Why <paramref name="text"/> is not of <paramref name="format"/>, for the log; null when it is.</summary>
    public static string? Violation(NameFormat format, string? text)
    {
        text ??= "";
        var ok = format switch
        {
            NameFormat.Dns1123Label => IsDns1123Label(text),
            NameFormat.Dns1123Subdomain => text.Length <= SubdomainMax && text.Split('.').All(IsDns1123Label),
            NameFormat.Dns1035Label => IsDns1123Label(text) && char.IsAsciiLetterLower(text[0]),
            NameFormat.IanaSvcName => IsIanaSvcName(text),
            _ => IsLabelValue(text),
        };
        return ok ? null : Describe(format);
    }

    public static string Describe(NameFormat format) => format switch
    {
        NameFormat.Dns1123Label => $"must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most {LabelMax} characters)",
        NameFormat.Dns1123Subdomain => $"must be a DNS-1123 subdomain (DNS-1123 labels joined by '.', at most {SubdomainMax} characters)",
        NameFormat.Dns1035Label => $"must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most {LabelMax} characters)",
        NameFormat.IanaSvcName => $"must be an IANA service name (lower-case letters, digits and '-', at least one letter, no '-' at either end nor twice in a row, at most {IanaSvcNameMax} characters)",
        _ => $"must be a label value (empty, or letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most {LabelMax} characters)",
    };

    private static bool IsDns1123Label(string text) =>
        text.Length is > 0 and <= LabelMax
        && IsLowerAlnum(text[0]) && IsLowerAlnum(text[^1])
        && text.All(c => IsLowerAlnum(c) || c == '-');

    private static bool IsIanaSvcName(string text) =>
        text.Length is > 0 and <= IanaSvcNameMax
        && text.All(c => IsLowerAlnum(c) || c == '-')
        && text.Any(char.IsAsciiLetterLower)
        && text[0] != '-' && text[^1] != '-'
        && !text.Contains("--", StringComparison.Ordinal);

    private static bool IsLabelValue(string text) =>
        text.Length == 0
        || (text.Length <= LabelMax
            && char.IsAsciiLetterOrDigit(text[0]) && char.IsAsciiLetterOrDigit(text[^1])
            && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));

    private static bool IsLowerAlnum(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
