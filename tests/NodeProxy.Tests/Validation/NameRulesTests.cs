using NodeProxy.Cluster.Validation;
using Xunit;
using static NodeProxy.Cluster.Validation.NameFormat;

namespace NodeProxy.Tests.Validation;

/// <summary>The API server's name formats, at their edges (apimachinery's validation is the reference).</summary>
public sealed class NameRulesTests
{
    private static readonly string A63 = new('a', 63);
    private static readonly string A64 = new('a', 64);

    [Theory]
    [InlineData(Dns1123Label, "a")]
    [InlineData(Dns1123Label, "0")]
    [InlineData(Dns1123Label, "kube-system")]
    [InlineData(Dns1123Label, "1abc")]
    [InlineData(Dns1035Label, "web")]
    [InlineData(Dns1035Label, "w-1")]
    [InlineData(Dns1123Subdomain, "node-1.example.com")]
    [InlineData(Dns1123Subdomain, "1.2.3")]
    [InlineData(IanaSvcName, "http")]
    [InlineData(IanaSvcName, "h2c")]
    [InlineData(IanaSvcName, "8a")]
    [InlineData(IanaSvcName, "a-b-c-d-e-f-g-h")]
    [InlineData(LabelValue, "")]
    [InlineData(LabelValue, "Zone_A.1-b")]
    [InlineData(LabelValue, "x")]
    public void Accepts(NameFormat format, string text) => Assert.Null(NameRules.Violation(format, text));

    [Theory]
    [InlineData(Dns1123Label, "")]
    [InlineData(Dns1123Label, "-a")]
    [InlineData(Dns1123Label, "a-")]
    [InlineData(Dns1123Label, "A")]
    [InlineData(Dns1123Label, "a.b")]
    [InlineData(Dns1123Label, "a_b")]
    [InlineData(Dns1123Label, "a\nb")]
    [InlineData(Dns1123Label, "a\0")]
    [InlineData(Dns1123Label, "é")]
    [InlineData(Dns1035Label, "1abc")]
    [InlineData(Dns1035Label, "a\"b")]
    [InlineData(Dns1123Subdomain, "a..b")]
    [InlineData(Dns1123Subdomain, ".a")]
    [InlineData(Dns1123Subdomain, "a.")]
    [InlineData(Dns1123Subdomain, "a.-b")]
    [InlineData(Dns1123Subdomain, "Node-1")]
    [InlineData(IanaSvcName, "")]
    [InlineData(IanaSvcName, "80")]
    [InlineData(IanaSvcName, "-http")]
    [InlineData(IanaSvcName, "http-")]
    [InlineData(IanaSvcName, "ht--tp")]
    [InlineData(IanaSvcName, "Http")]
    [InlineData(IanaSvcName, "eighty-eighty-80")]
    [InlineData(LabelValue, "-a")]
    [InlineData(LabelValue, "a_")]
    [InlineData(LabelValue, "zone a")]
    [InlineData(LabelValue, "a/b")]
    public void Refuses(NameFormat format, string text) => Assert.NotNull(NameRules.Violation(format, text));

    [Fact]
    public void LengthLimitsAreTheApiServers()
    {
        Assert.True(NameRules.IsValid(Dns1123Label, A63));
        Assert.False(NameRules.IsValid(Dns1123Label, A64));
        Assert.True(NameRules.IsValid(Dns1035Label, A63));
        Assert.False(NameRules.IsValid(Dns1035Label, A64));
        Assert.True(NameRules.IsValid(LabelValue, A63));
        Assert.False(NameRules.IsValid(LabelValue, A64));
        Assert.True(NameRules.IsValid(IanaSvcName, new string('a', 15)));
        Assert.False(NameRules.IsValid(IanaSvcName, new string('a', 16)));

        // 4 labels of 63 and the dots: 255 characters, two more than a subdomain may have.
        var labels = string.Join('.', Enumerable.Repeat(A63, 4));
        Assert.False(NameRules.IsValid(Dns1123Subdomain, labels));
        Assert.True(NameRules.IsValid(Dns1123Subdomain, labels[..253].TrimEnd('.')));
        Assert.False(NameRules.IsValid(Dns1123Subdomain, new string('a', 64)));
    }

    [Fact]
    public void AMissingNameIsNoName() => Assert.NotNull(NameRules.Violation(Dns1123Subdomain, null));
}
