using System.Net;
using NodeProxy.Cluster.Validation;
using Xunit;

namespace NodeProxy.Tests.Validation;

/// <summary>IPs in the forms the API server's strict validation accepts, and the special ones it refuses for endpoints.</summary>
public sealed class ApiAddressTests
{
    [Theory]
    [InlineData("10.96.0.1", "10.96.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("fd00::1", "fd00::1")]
    [InlineData("FD00:0:0:0:0:0:0:1", "fd00::1")]
    [InlineData("::1.2.3.4", "::1.2.3.4")]
    public void AcceptsWhatTheApiServerAccepts(string text, string canonical)
    {
        Assert.True(ApiAddress.TryParse(text, out var address));
        Assert.Equal(IPAddress.Parse(canonical), address);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 10.96.0.1")]
    [InlineData("10.96.0.1 ")]
    [InlineData("10.96.0.01")]
    [InlineData("010.96.0.1")]
    [InlineData("10.96.0")]
    [InlineData("10.96.0.256")]
    [InlineData("10")]
    [InlineData("0x0a000001")]
    [InlineData("::ffff:10.96.0.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[fd00::1]")]
    [InlineData("fd00::1/64")]
    [InlineData("::1.2.3.04")]
    [InlineData("10.96.0.1\n")]
    public void RefusesOtherForms(string text) => Assert.False(ApiAddress.TryParse(text, out _));

    [Theory]
    [InlineData("0.0.0.0", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.0.9", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("224.0.0.251", true)]
    [InlineData("224.0.1.1", false)]
    [InlineData("10.244.1.10", false)]
    [InlineData("::", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("fd00::1", false)]
    public void SpecialAddressesAreThoseTheApiServerRefusesForEndpoints(string text, bool special) =>
        Assert.Equal(special, ApiAddress.IsSpecial(IPAddress.Parse(text)));
}
