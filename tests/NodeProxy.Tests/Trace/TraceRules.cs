using System.Collections.Immutable;
using System.Net;
using NodeProxy.Net;
using NodeProxy.RuleSets;
using NodeProxy.Trace;

namespace NodeProxy.Tests.Trace;

/// <summary>Shorthand for writing small rule sets by hand.</summary>
internal static class TraceRules
{
    public static readonly IPAddress NodeIp = IPAddress.Parse("192.168.1.10");

    public static TraceContext Node { get; } = new(new HashSet<IPAddress> { NodeIp });

    public static RuleSet V4(params Table[] tables) => new(IpFamily.V4, [.. tables]);

    public static Table Table(string name, ImmutableArray<BuiltinJump> jumps, params Chain[] chains) => new(name, [.. chains], jumps);

    public static Chain Chain(string name, params Rule[] rules) => new(name, [.. rules]);

    public static BuiltinJump Builtin(string builtinChain, Rule rule) => new(builtinChain, rule);

    public static Rule Do(Target target, params Match[] matches) => new(target) { Matches = [.. matches] };

    public static Rule Jump(string chain, params Match[] matches) => Do(new JumpTarget(chain), matches);

    public static Rule Dnat(string address, int port, params Match[] matches) =>
        Do(new DnatTarget(IpText.ParseAddress(address), port), matches);

    public static CommentMatch Comment(string text) => new(text);

    public static Packet Tcp(string from, string to, int port) =>
        new(IpText.ParseAddress(from), IpText.ParseAddress(to), port, Protocol.Tcp);

    public static IEnumerable<(string Table, string Chain)> Hooks(TraceOutcome outcome) =>
        outcome.Steps.Where(s => s.Chain is "PREROUTING" or "INPUT" or "FORWARD" or "OUTPUT" or "POSTROUTING")
            .Select(s => (s.Table, s.Chain)).Distinct();
}
