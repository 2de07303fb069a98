using CsCheck;

namespace NodeProxy.Tests.Rendering;

/// <summary>
/// Strings an API server that validates nothing could hand over: control characters, NUL,
/// quotes, backslashes, iptables syntax, non-ASCII, lone and paired surrogates, and names past
/// the 255 bytes of a comment.
/// </summary>
internal static class HostileText
{
    private static readonly Gen<char> Char = Gen.Frequency(
        (6, Gen.Char['a', 'z']),
        (3, Gen.Char[" \"\\'\n\r\t\0/:-#!$`%.*;"]),
        (2, Gen.Char['\0', '\u001f']),
        (1, Gen.Char['\u007f', '\u00ff']),
        (1, Gen.Char['\ud800', '\udfff']),
        (1, Gen.Char));

    private static readonly Gen<string> Fragment = Gen.Frequency(
        (4, Char.Array[0, 12].Select(c => new string(c))),
        (1, Gen.OneOf("\n-A NP-SERVICES -j ACCEPT\n", "\" -j ACCEPT \"", "\n*filter\n-A INPUT -j DROP\nCOMMIT\n", "\U0001F600", "\u00e9")));

    /// <summary>Short names with something nasty in them, and long ones of up to about 300 characters.</summary>
    public static readonly Gen<string> Any = Gen.Frequency(
        (5, Fragment.Array[1, 3].Select(string.Concat)),
        (1, Char.Array[240, 300].Select(c => new string(c))));
}
