using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using NodeProxy.Net;

namespace NodeProxy.RuleSets;

/// <summary>
/// Reads a rule the renderer wrote back from its text into the very <see cref="Rule"/> it was:
/// chains keep only their text (see <see cref="RuleText"/>), and the tracer and explainer want
/// structure. Only the renderer's own vocabulary is read, and a rule whose reading does not
/// render back to the same text is refused, so nothing is ever guessed. Rules read from the
/// kernel, which may hold anything, go through the tracer's own parser instead.
/// </summary>
public static class RuleReader
{
    public static ImmutableArray<Rule> Read(RuleText text) => [.. text.Select(Read)];

    public static Rule Read(string spec)
    {
        var tokens = Tokens(spec);
        Target? target = null;
        var rule = new Rule(VerdictTarget.Accept);
        var matches = ImmutableArray.CreateBuilder<Match>();
        var negated = false;
        for (var i = 0; i < tokens.Count && target is null; i++)
        {
            var token = tokens[i];
            var next = i + 1 < tokens.Count ? tokens[i + 1] : "";
            switch (token)
            {
                case "!":
                    negated = true;
                    continue;
                case "-s":
                    rule = rule with { Source = Net(next), SourceNegated = negated };
                    i++;
                    break;
                case "-d":
                    rule = rule with { Destination = Net(next), DestinationNegated = negated };
                    i++;
                    break;
                case "-p" when ProtocolText.TryParse(next, out var protocol):
                    rule = rule with { Protocol = protocol };
                    i++;
                    break;
                case "-m":
                    // A comment is one word, whatever it reads.
                    var end = next == "comment" ? Math.Min(i + 4, tokens.Count) : i + 2;
                    while (end < tokens.Count && tokens[end] is not ("-m" or "-j"))
                    {
                        end++;
                    }

                    matches.Add(Module(next, tokens[(i + 2)..end]) ?? throw Unreadable(spec));
                    i = end - 1;
                    break;
                case "-j":
                    target = Target(tokens[(i + 1)..]) ?? throw Unreadable(spec);
                    break;
                default:
                    throw Unreadable(spec);
            }

            negated = false;
        }

        var read = rule with { Target = target ?? throw Unreadable(spec), Matches = matches.ToImmutable() };
        return read.RenderSpec() == spec ? read : throw Unreadable(spec);
    }

    private static Match? Module(string name, List<string> options) => (name, options) switch
    {
        ("comment", ["--comment", var text]) => new CommentMatch(text),
        ("tcp" or "udp" or "sctp", ["--dport", var port]) when ProtocolText.TryParse(name, out var protocol) => Port(protocol, port),
        ("addrtype", [.. var negation, var type, "LOCAL"]) when negation is [] or ["!"] =>
            new AddrTypeLocalMatch(type == "--src-type", negation is ["!"]),
        ("statistic", ["--mode", "random", "--probability", var p]) => new StatisticMatch(double.Parse(p, CultureInfo.InvariantCulture)),
        ("recent", ["--set", "--name", var list, "--mask", var mask, "--rsource"]) => new RecentMatch(list, RecentMode.Set, 0, FamilyOf(mask)),
        ("recent", ["--update", "--seconds", var s, "--reap", "--name", var list, "--mask", var mask, "--rsource"]) =>
            new RecentMatch(list, RecentMode.Check, int.Parse(s, CultureInfo.InvariantCulture), FamilyOf(mask)),
        ("mark", ["--mark", var mark]) => new MarkMatch(Mark(mark).Value),
        ("mark", ["!", "--mark", var mark]) => new MarkMatch(Mark(mark).Value, true),
        ("conntrack", ["--ctstate", "DNAT", "--ctorigdst", var net]) => new ConntrackOriginalDestinationMatch(Net(net)),
        ("conntrack", ["--ctstate", var states]) => new ConntrackStateMatch(states),
        ("conntrack", ["!", "--ctstate", var states]) => new ConntrackStateMatch(states, true),
        _ => null,
    };

    private static Target? Target(List<string> tokens) => tokens switch
    {
        ["ACCEPT"] => VerdictTarget.Accept,
        ["DROP"] => VerdictTarget.Drop,
        ["RETURN"] => VerdictTarget.Return,
        ["MASQUERADE", "--random-fully"] => new MasqueradeTarget(),
        ["REJECT", "--reject-with", var with] => new RejectTarget(with.StartsWith("icmp6", StringComparison.Ordinal) ? IpFamily.V6 : IpFamily.V4),
        ["DNAT", "--to-destination", var to] => Dnat(to),
        ["MARK", "--set-xmark", var mark] when Mark(mark) is var (value, mask) => mask == 0 ? new ClearMarkTarget(value) : new SetMarkTarget(value),
        [var chain] => new JumpTarget(chain),
        _ => null,
    };

    private static DnatTarget Dnat(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        var port = int.Parse(endpoint.AsSpan(colon + 1), CultureInfo.InvariantCulture);
        return new DnatTarget(IPAddress.Parse(endpoint[..colon].Trim('[', ']')), port);
    }

    private static Match? Port(Protocol protocol, string port) => port.Split(':') switch
    {
        [var one] => new DestinationPortMatch(protocol, int.Parse(one, CultureInfo.InvariantCulture)),
        [var from, var to] => new DestinationPortRangeMatch(protocol, int.Parse(from, CultureInfo.InvariantCulture), int.Parse(to, CultureInfo.InvariantCulture)),
        _ => null,
    };

    private static (uint Value, uint Mask) Mark(string text)
    {
        var parts = text.Split('/');
        return (Hex(parts[0]), Hex(parts[1]));
    }

    private static uint Hex(string text) => uint.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>A prefix ("/24") or, as iptables-save prints any other mask, an address ("0.0.0.0/0.0.0.255").</summary>
    private static IpNet Net(string text)
    {
        if (IpNet.TryParse(text, out var net))
        {
            return net;
        }

        var slash = text.IndexOf('/');
        return IpNet.WithMask(IpText.ParseAddress(text[..slash]), IpText.ParseAddress(text[(slash + 1)..]));
    }

    private static IpFamily FamilyOf(string mask) => mask.Contains(':', StringComparison.Ordinal) ? IpFamily.V6 : IpFamily.V4;

    /// <summary>Space-separated words; a quoted comment is one word, without its quotes (the renderer's comments hold no quote or backslash).</summary>
    private static List<string> Tokens(string spec)
    {
        var tokens = new List<string>();
        for (var i = 0; i < spec.Length;)
        {
            if (spec[i] == ' ')
            {
                i++;
            }
            else if (spec[i] == '"')
            {
                var close = spec.IndexOf('"', i + 1);
                tokens.Add(spec[(i + 1)..close]);
                i = close + 1;
            }
            else
            {
                var space = spec.IndexOf(' ', i);
                var end = space < 0 ? spec.Length : space;
                tokens.Add(spec[i..end]);
                i = end;
            }
        }

        return tokens;
    }

    private static FormatException Unreadable(string spec) => new($"not a rule NodeProxy renders: {spec}");
}
