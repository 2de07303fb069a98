using NodeProxy.Sync;
using Xunit;

namespace NodeProxy.Tests.Sync;

public sealed class RestoreErrorsTests
{
    private const string Batch = "*nat\n:NP-X - [0:0]\n-A NP-X -j ACCEPT\n-A NP-X -m nosuchmatch -j ACCEPT\nCOMMIT\n";

    [Theory]
    [InlineData("iptables-restore v1.8.9 (legacy): Couldn't load match `nosuchmatch'\n\nError occurred at line: 4\n")]
    [InlineData("iptables-nft-restore: line 4 failed: Bad rule (does a matching rule exist in that chain?).")]
    public void TheLineTheToolNamedIsQuoted(string error)
    {
        Assert.Equal(["line 4: -A NP-X -m nosuchmatch -j ACCEPT"], RestoreErrors.OffendingLines(error, Batch));
    }

    [Fact]
    public void AnErrorWithoutALineNumberQuotesNothing()
    {
        Assert.Empty(RestoreErrors.OffendingLines("Another app is currently holding the xtables lock", Batch));
    }
}
