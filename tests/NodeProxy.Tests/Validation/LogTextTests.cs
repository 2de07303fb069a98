using NodeProxy.Cluster;
using Xunit;

namespace NodeProxy.Tests.Validation;

/// <summary>What a hostile name becomes in a log line: one line, readable, bounded, unambiguous.</summary>
public sealed class LogTextTests
{
    [Theory]
    [InlineData("default/web", "default/web")]
    [InlineData("wéb", "wéb")]
    [InlineData("a\nb", @"a\x0ab")]
    [InlineData("a\r\nb", @"a\x0d\x0ab")]
    [InlineData("a\0b", @"a\x00b")]
    [InlineData("\u001b[31mred", @"\x1b[31mred")]
    [InlineData("a\u2028b", @"a\u2028b")]
    [InlineData("abc\u202edcba", @"abc\u202edcba")]
    [InlineData(@"a\x0ab", @"a\\x0ab")]
    [InlineData("quote\"s", "quote\"s")]
    public void ControlAndFormatCharactersAreEscaped(string text, string logged) => Assert.Equal(logged, LogText.Escape(text));

    [Fact]
    public void ALongNameIsCutAndItsLengthSaid()
    {
        var logged = LogText.Escape(new string('a', 1000));

        Assert.Equal(new string('a', LogText.MaxLength) + "...(700 more characters)", logged);
    }

    [Fact]
    public void AProblemIsOneLineWhateverItsObjectHolds()
    {
        var problem = new Problem("Service", "default/x\n12:00:00.000 info: nodeproxy[0] synced", "InvalidName", "name 'x\n' is bad");

        Assert.DoesNotContain('\n', problem.ToString());
        Assert.Equal(@"Service default/x\x0a12:00:00.000 info: nodeproxy[0] synced: name 'x\x0a' is bad (InvalidName)", problem.ToString());
    }
}
