using System.Net;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using Xunit;

namespace NodeProxy.Tests.Rendering;

/// <summary>
/// Rendered chains keep only their text; the tracer and the explainer read rules back from it.
/// What they read must be the rule the renderer made, or a trace would walk other rules than the
/// kernel holds.
/// </summary>
public sealed class RuleReaderTests
{
    public static TheoryData<Rule> Vocabulary() =>
    [
        RuleBuilder.Commented("ns1/web:http cluster IP", new JumpTarget("NP-SVC-ABCDEF"))
            .To(IPAddress.Parse("172.16.0.1")).Port(Protocol.Tcp, 80),
        RuleBuilder.Commented("not bare: spaces and :/", new DnatTarget(IPAddress.Parse("10.64.0.3"), 8080)).Proto(Protocol.Udp),
        RuleBuilder.MaybeCommented(null, new DnatTarget(IPAddress.Parse("fd00::3"), 53)).Proto(Protocol.Sctp),
        RuleBuilder.Commented("", new SetMarkTarget(0x4000)).From(IpNet.Parse("10.0.0.0/8"), negated: true),
        RuleBuilder.Commented("x", new ClearMarkTarget(0x4000)).And(new MarkMatch(0x4000, Negated: true)),
        RuleBuilder.Commented("x", new MasqueradeTarget()).And(new MarkMatch(0x4000)),
        RuleBuilder.Commented("x", new RejectTarget(IpFamily.V6)).To(IpNet.Parse("fd00::/64"), negated: true),
        RuleBuilder.Commented("x", new RejectTarget(IpFamily.V4)).And(new ConntrackStateMatch("INVALID")),
        RuleBuilder.Commented("x", VerdictTarget.Accept).And(new ConntrackStateMatch("RELATED,ESTABLISHED", Negated: true)),
        RuleBuilder.Commented("x", VerdictTarget.Drop).And(new AddrTypeLocalMatch(OfSource: true, Negated: true)),
        RuleBuilder.Commented("x", VerdictTarget.Return).And(new AddrTypeLocalMatch(OfSource: false)),
        RuleBuilder.Commented("x", new JumpTarget("NP-SEP-1")).And(new RecentMatch("NP-SEP-1", RecentMode.Check, 10800, IpFamily.V6)),
        RuleBuilder.Commented("x", new JumpTarget("NP-SEP-1")).And(new RecentMatch("NP-SEP-1", RecentMode.Set, 0, IpFamily.V4)),
        RuleBuilder.Commented("x", new JumpTarget("NP-HP")).Port(Protocol.Tcp, 0).And(new DestinationPortRangeMatch(Protocol.Tcp, 32700, 32763)),
        RuleBuilder.Commented("x", VerdictTarget.Accept).And(new ConntrackOriginalDestinationMatch(IpNet.Parse("172.16.0.0/12"))),
        new Rule(new JumpTarget("NP-SEP-2")).From(IpNet.WithMask(IPAddress.Parse("0.0.0.5"), IPAddress.Parse("0.0.0.255"))),
    ];

    [Theory]
    [MemberData(nameof(Vocabulary))]
    public void EachOfTheRenderersRulesReadsBackAsTheSameParts(Rule rule)
    {
        var read = RuleReader.Read(rule.RenderSpec());

        Assert.Equal(rule.Target, read.Target);
        Assert.Equal(rule.Matches.ToArray(), read.Matches.ToArray());
        Assert.Equal((rule.Source, rule.SourceNegated, rule.Destination, rule.DestinationNegated, rule.Protocol),
            (read.Source, read.SourceNegated, read.Destination, read.DestinationNegated, read.Protocol));
    }

    [Fact]
    public void ARandomBranchReadsBackAsTheProbabilityTheKernelPrints()
    {
        var rule = RuleBuilder.Commented("x", new JumpTarget("NP-SEP-1")).And(StatisticMatch.OneIn(3));

        var read = Assert.IsType<StatisticMatch>(Assert.Single(RuleReader.Read(rule.RenderSpec()).Matches.OfType<StatisticMatch>()));

        Assert.Equal(rule.RenderSpec(), RuleReader.Read(rule.RenderSpec()).RenderSpec());
        Assert.Equal(1.0 / 3, read.Probability, 9);
    }

    [Theory]
    [MemberData(nameof(GoldenTests.Cases), MemberType = typeof(GoldenTests))]
    public void EveryRuleOfEveryGoldenCaseReadsBack(string name)
    {
        var pipeline = TestPipeline.FromGoldenCase(name);
        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
        {
            foreach (var chain in Renderer.Render(pipeline.Model.For(family)).Tables.SelectMany(t => t.Chains))
            {
                Assert.Equal(chain.Text.ToArray(), chain.Rules.Select(r => r.RenderSpec()).ToArray());
            }
        }
    }

    [Theory]
    [InlineData("-m nosuchmatch -j ACCEPT")]
    [InlineData("-p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.1:80 --persistent")]
    [InlineData("-i eth0 -j ACCEPT")]
    public void TextTheRendererDoesNotWriteIsRefusedNotGuessed(string spec) =>
        Assert.Throws<FormatException>(() => RuleReader.Read(spec));
}
