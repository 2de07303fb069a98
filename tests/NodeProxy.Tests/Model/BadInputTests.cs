using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using Xunit;

namespace NodeProxy.Tests.Model;

/// <summary>
/// Bad objects among good ones (testdata/bad-input): each bad one is named in a clear message,
/// and everything that is fine still renders.
/// </summary>
public sealed class BadInputTests
{
    private static readonly TestPipeline Pipeline = TestPipeline.FromFlags(
        Path.Combine(TestPaths.TestData, "bad-input"), "--node-name test-node --cluster-cidr 10.0.0.0/8");

    private static readonly string Rules = RestoreText.Write(Renderer.Render(Pipeline.Model.V4));

    [Theory]
    [InlineData("Service", "ns1/bad-cluster-ip", "InvalidClusterIP", "172.30.0.999")]
    [InlineData("Service", "ns1/bad-protocol", "UnknownProtocol", "QUIC")]
    [InlineData("Service", "ns1/bad-ports", "InvalidPort", "port 'zero' 0")]
    [InlineData("Service", "ns1/bad-ports", "InvalidPort", "port 'huge' 70000")]
    [InlineData("Service", "ns1/no-match", "SelectorMatchesNoPods", "app=nothing-has-this-label")]
    [InlineData("Pod", "ns1/pending-with-hostport", "HostPortWithoutPodIP", "hostPort")]
    [InlineData("Pod", "ns1/running-with-hostport", "UnknownProtocol", "BOGUS")]
    [InlineData("EndpointSlice", "ns1/bad-ports-abc", "InvalidEndpointAddress", "10.180.0.999")]
    [InlineData("Manifest", "services.yaml", "MalformedDocument", "")]
    public void EachBadObjectIsNamedInAClearMessage(string kind, string obj, string reason, string detail)
    {
        Assert.Contains(Pipeline.Problems, p =>
            p.Kind == kind && p.Object.Contains(obj, StringComparison.Ordinal) && p.Reason == reason
            && p.Message.Contains(detail, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ns1/good:p80 cluster IP", "-d 172.30.0.41/32")]
    [InlineData("ns1/good:p80 -> 10.180.0.1:80", "--to-destination 10.180.0.1:80")]
    [InlineData("ns1/bad-protocol:https -> 10.180.0.3:8443", "--to-destination 10.180.0.3:8443")]
    [InlineData("ns1/bad-ports:fine -> 10.180.0.4:8080", "--to-destination 10.180.0.4:8080")]
    [InlineData("ns1/after-the-broken-document:p80 cluster IP", "-d 172.30.0.46/32")]
    [InlineData("ns1/running-with-hostport hostPort 8082", "--to-destination 10.180.0.9:80")]
    [InlineData("ns1/no-match:p80 has no endpoints", "-j REJECT")]
    public void EverythingElseStillRenders(string comment, string fragment)
    {
        Assert.Contains(Rules.Split('\n'), line => line.Contains($"\"{comment}\"", StringComparison.Ordinal) && line.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void NothingOfTheBadPartsIsRendered()
    {
        Assert.DoesNotContain("bad-cluster-ip", Rules, StringComparison.Ordinal);
        Assert.DoesNotContain(":quic", Rules, StringComparison.Ordinal);
        Assert.DoesNotContain("10.180.0.999", Rules, StringComparison.Ordinal);
        Assert.DoesNotContain("8083", Rules, StringComparison.Ordinal);
        Assert.DoesNotContain("pending-with-hostport", Rules, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameInputRendersTheSameBytes()
    {
        var again = TestPipeline.FromFlags(Path.Combine(TestPaths.TestData, "bad-input"), "--node-name test-node --cluster-cidr 10.0.0.0/8");
        Assert.Equal(Rules, RestoreText.Write(Renderer.Render(again.Model.For(IpFamily.V4))));
    }
}
