using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using Xunit;

namespace NodeProxy.Tests.Rendering;

/// <summary>
/// A service port's chains are named by a hash of its name: two different names must never share
/// a chain (their rules would be merged: one Service's traffic sent to another's endpoints), and
/// names the API server accepts keep the chains they always had.
/// </summary>
public sealed class ChainNamesTests
{
    [Fact]
    public void AValidNameKeepsItsChain() =>
        // From testdata/golden/clusterip: a changed hash would rename every chain on upgrade.
        Assert.Equal("NP-SVC-XPGD46QRK7WJZT7O", ChainNames.ClusterChain(Port("ns1", "svc1", "p80")));

    [Theory]
    [InlineData("a/b", "c", "", "a", "b/c", "")] // the '/' moved from the namespace to the name
    [InlineData("a", "b:c", "", "a", "b", "c")] // a ':' in the name reads as the port
    [InlineData("a", "b", "c%003Ad", "a", "b", "c:d")] // an encoded form given as a name
    [InlineData("a", "b\n", "", "a", "b\r", "")]
    public void DifferentNamesNeverShareAChain(string ns1, string name1, string port1, string ns2, string name2, string port2)
    {
        var (one, two) = (Port(ns1, name1, port1), Port(ns2, name2, port2));

        Assert.NotEqual(ChainNames.ClusterChain(one), ChainNames.ClusterChain(two));
        Assert.NotEqual(ChainNames.AffinityList(one, Endpoint), ChainNames.AffinityList(two, Endpoint));
    }

    [Fact]
    public void DifferentLoneSurrogatesNeverShareAChain() =>
        // UTF-8 turns both into U+FFFD; attribute metadata cannot hold them, hence no InlineData.
        Assert.NotEqual(ChainNames.ClusterChain(Port("ns", "a\ud800", "p")), ChainNames.ClusterChain(Port("ns", "a\ud801", "p")));

    private static readonly Endpoint Endpoint = new(IPAddress.Parse("10.0.0.1"), 80, null, false);

    private static ServicePort Port(string ns, string name, string port) =>
        new(new ServicePortName(ns, name, port), Protocol.Tcp, IPAddress.Parse("172.30.0.41"), 80);
}
