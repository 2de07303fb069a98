using System.Text;
using CsCheck;
using NodeProxy.RuleSets;
using Xunit;

namespace NodeProxy.Tests.Rendering;

/// <summary>
/// A comment never carries a byte that could end iptables-restore's quoted word or line, never
/// exceeds the 255 bytes xt_comment keeps, and is written as iptables-save prints it back.
/// </summary>
public sealed class CommentTextTests
{
    // Written out here rather than taken from CommentText, so that a change there cannot agree with itself.
    private static bool Printable(char c) => c is >= ' ' and <= '~' && !"\"\\'".Contains(c);

    [Theory]
    [InlineData("ns/a\nb:p", "ns/a?b:p")] // newline: would end the restore line
    [InlineData("ns/a\r\nb", "ns/a??b")]
    [InlineData("a\0b", "a?b")] // NUL: ends the C string iptables-restore reads
    [InlineData("a\tb\u001b[31mc\u007f", "a?b?[31mc?")] // tab, an escape sequence, DEL
    [InlineData("a\"b", "a?b")] // would end the quoted word
    [InlineData("a\\b", "a?b")] // would escape the next character
    [InlineData("a'b", "a?b")] // iptables-save prints it as \'
    [InlineData("\" -j ACCEPT \"", "? -j ACCEPT ?")]
    [InlineData("caf\u00e9", "caf?")] // non-ASCII
    [InlineData("x\U0001F600y", "x?y")] // a surrogate pair is one character
    [InlineData("ns/svc:http cluster IP", "ns/svc:http cluster IP")]
    [InlineData("a  b ", "a  b ")] // blanks are kept inside the quotes
    [InlineData("", "")]
    public void ReplacesWhatCouldEndTheWordOrTheLine(string text, string expected) =>
        Assert.Equal(expected, CommentText.Sanitize(text));

    // Not in InlineData: attribute metadata cannot hold a lone surrogate.
    [Fact]
    public void ALoneSurrogateIsOneCharacter() => Assert.Equal("x?y?z", CommentText.Sanitize("x\ud800y\udc00z"));

    [Fact]
    public void LongCommentsAreCutTo255BytesWithAMark()
    {
        Assert.Equal(new string('a', 255), CommentText.Sanitize(new string('a', 255)));

        var cut = CommentText.Sanitize(new string('a', 256));
        Assert.Equal(255, cut.Length);
        Assert.Equal(new string('a', 252) + "...", cut);

        // 300 two-byte characters (600 bytes of UTF-8): still 255 single-byte characters.
        var wide = CommentText.Sanitize(new string('\u00fc', 300));
        Assert.Equal(255, Encoding.UTF8.GetByteCount(wide));
        Assert.EndsWith("...", wide, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "abc")] // iptables-save prints a word of letters, digits, '_' and '-' bare
    [InlineData("-t", "-t")]
    [InlineData("a b", "\"a b\"")]
    [InlineData("ns/svc:p", "\"ns/svc:p\"")]
    [InlineData("", "\"\"")]
    public void QuotesAsIptablesSavePrints(string sanitized, string expected) =>
        Assert.Equal(expected, CommentText.Quote(sanitized));

    [Fact]
    public void TheMatchRendersTheSanitizedText()
    {
        var match = new CommentMatch("ns/evil\n-A NP-SERVICES -j ACCEPT\n:p");

        Assert.Equal("ns/evil?-A NP-SERVICES -j ACCEPT?:p", match.Text);
        Assert.Equal("-m comment --comment \"ns/evil?-A NP-SERVICES -j ACCEPT?:p\"", match.Render());
    }

    [Fact]
    public void AnyTextBecomesAtMost255AllowedBytesAndStaysPutWhenSanitizedAgain() =>
        HostileText.Any.Sample(text =>
        {
            var safe = CommentText.Sanitize(text);
            return Encoding.UTF8.GetByteCount(safe) <= CommentText.MaxBytes
                && safe.All(Printable)
                && CommentText.Sanitize(safe) == safe
                && (safe == text) == (text.Length <= CommentText.MaxBytes && text.All(Printable));
        }, iter: 2000);
}
