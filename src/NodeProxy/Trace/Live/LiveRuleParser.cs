using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Trace.Live;

/// <summary>
/// Reads one rule as iptables-save prints it (the part after "-A CHAIN") into a <see cref="Rule"/>
/// the tracer can walk. A match is modelled only when the model, rendered again, gives back the
/// very text the kernel printed; anything else becomes an <see cref="UnknownMatch"/>, so nothing
/// is guessed.
/// </summary>
public static class LiveRuleParser
{
    // Targets that never end the walk and never change what the tracer follows.
    private static readonly HashSet<string> Watchers = ["LOG", "NFLOG", "TRACE", "TCPMSS", "CHECKSUM", "AUDIT", "ULOG"];

    /// <param name="chains">The chains declared in the rule's table: "-j NAME" jumps to one of them.</param>
    public static Rule Parse(string spec, IpFamily family, IReadOnlySet<string> chains)
    {
        var tokens = Tokenize(spec);
        var matches = ImmutableArray.CreateBuilder<Match>();
        IpNet? source = null, destination = null;
        bool sourceNegated = false, destinationNegated = false, negated = false;
        Target target = new ContinueTarget("(no target)");
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var argument = i + 1 < tokens.Count ? tokens[i + 1] : "";
            switch (token)
            {
                case "!":
                    negated = true;
                    continue;
                case "-s" or "-d" when Net(argument) is { } net && net.Family == family:
                    if (token == "-s")
                    {
                        (source, sourceNegated) = (net, negated);
                    }
                    else
                    {
                        (destination, destinationNegated) = (net, negated);
                    }

                    i++;
                    break;
                case "-p":
                    matches.Add(new ProtocolNameMatch(argument, negated));
                    i++;
                    break;
                case "-i" or "-o":
                    matches.Add(new InterfaceMatch(token == "-o", argument, negated));
                    i++;
                    break;
                case "-m":
                    var end = NextTopLevel(tokens, i + 1);
                    matches.Add(Module(argument, tokens.GetRange(i + 2, end - i - 2), family));
                    i = end - 1;
                    break;
                case "-j":
                    target = Target(tokens.GetRange(i + 1, tokens.Count - i - 1), family, chains);
                    i = tokens.Count;
                    break;
                case "-g":
                    target = new GotoTarget(argument);
                    i = tokens.Count;
                    break;
                default:
                    matches.Add(new UnknownMatch((negated ? "! " : "") + token));
                    break;
            }

            negated = false;
        }

        return new Rule(target)
        {
            Source = source,
            SourceNegated = sourceNegated,
            Destination = destination,
            DestinationNegated = destinationNegated,
            Matches = matches.ToImmutable(),
        };
    }

    // iptables-save prints a prefix as "/24" and any other mask as an address ("0.0.0.5/0.0.0.255").
    private static IpNet? Net(string text)
    {
        if (IpNet.TryParse(text, out var net))
        {
            return net;
        }

        var parts = text.Split('/');
        return parts.Length == 2 && IpText.TryParseAddress(parts[0], out var address) && IpText.TryParseAddress(parts[1], out var mask)
            && address.Family() == mask.Family()
            ? IpNet.WithMask(address, mask)
            : null;
    }

    private static int NextTopLevel(List<string> tokens, int from)
    {
        var i = from + 1;
        while (i < tokens.Count && tokens[i] is not ("-m" or "-j" or "-g"))
        {
            i++;
        }

        return i;
    }

    private static Match Module(string name, List<string> options, IpFamily family)
    {
        var text = $"-m {name}{string.Concat(options.Select(o => " " + o))}";
        if (name == "comment" && options is ["--comment", var comment])
        {
            return new CommentMatch(comment);
        }

        Match? model = (name, options) switch
        {
            ("tcp" or "udp" or "sctp", ["--dport", var port]) when ProtocolText.TryParse(name, out var protocol) => Ports(protocol, port),
            ("addrtype", [.. var rest]) => AddrType(rest),
            ("statistic", ["--mode", "random", "--probability", var p]) when double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var chance) =>
                new StatisticMatch(chance),
            ("recent", [.. var rest]) => Recent(rest, family),
            ("mark", ["--mark", var mark]) => Mark(mark, false),
            ("mark", ["!", "--mark", var mark]) => Mark(mark, true),
            ("conntrack", ["--ctstate", var states]) => new ConntrackStateMatch(states),
            ("conntrack", ["!", "--ctstate", var states]) => new ConntrackStateMatch(states, true),
            ("state", ["--state", var states]) => new ConntrackStateMatch(states),
            _ => null,
        };

        // "-m state" reads differently but means what conntrack --ctstate means.
        var same = model is not null && (model.Render() == text || name == "state");
        return same ? model! : new UnknownMatch(text);
    }

    private static Match? Ports(Protocol protocol, string port)
    {
        var parts = port.Split(':');
        return parts switch
        {
            [var one] when int.TryParse(one, out var p) => new DestinationPortMatch(protocol, p),
            [var from, var to] when int.TryParse(from, out var f) && int.TryParse(to, out var t) => new DestinationPortRangeMatch(protocol, f, t),
            _ => null,
        };
    }

    private static Match? AddrType(List<string> options) => options switch
    {
        ["--dst-type", "LOCAL"] => new AddrTypeLocalMatch(false),
        ["!", "--dst-type", "LOCAL"] => new AddrTypeLocalMatch(false, true),
        ["--src-type", "LOCAL"] => new AddrTypeLocalMatch(true),
        ["!", "--src-type", "LOCAL"] => new AddrTypeLocalMatch(true, true),
        _ => null,
    };

    private static Match? Recent(List<string> options, IpFamily family)
    {
        var name = After(options, "--name");
        var seconds = After(options, "--seconds");
        if (name is null)
        {
            return null;
        }

        return options.Contains("--set")
            ? new RecentMatch(name, RecentMode.Set, 0, family)
            : int.TryParse(seconds, out var s) ? new RecentMatch(name, RecentMode.Check, s, family) : null;
    }

    private static string? After(List<string> options, string option) =>
        options.IndexOf(option) is var i and >= 0 && i + 1 < options.Count ? options[i + 1] : null;

    private static Match? Mark(string text, bool negated) =>
        ParseMark(text) is { } m && m.Value == m.Mask ? new MarkMatch(m.Value, negated) : null;

    private static (uint Value, uint Mask)? ParseMark(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && TryHex(parts[0], out var value) && TryHex(parts[1], out var mask) ? (value, mask)
            : parts.Length == 1 && TryHex(parts[0], out var only) ? (only, uint.MaxValue)
            : null;
    }

    private static bool TryHex(string text, out uint value) =>
        text.StartsWith("0x", StringComparison.Ordinal)
            ? uint.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static Target Target(List<string> tokens, IpFamily family, IReadOnlySet<string> chains)
    {
        var text = "-j " + string.Join(' ', tokens);
        return tokens switch
        {
            [] => new UnknownTarget(text),
            [var chain] when chains.Contains(chain) => new JumpTarget(chain),
            ["ACCEPT" or "DROP" or "RETURN"] => new VerdictTarget(tokens[0]),
            ["REJECT", ..] => new RejectTarget(family),
            ["DNAT", "--to-destination", var to] when Endpoint(to) is { } endpoint => new DnatTarget(endpoint.Address, endpoint.Port),
            ["MASQUERADE", ..] => new MasqueradeTarget(),
            ["SNAT", ..] => new SnatTarget(text),
            ["MARK", "--set-xmark", var mark] when ParseMark(mark) is { } m => new XmarkTarget(m.Value, m.Mask),
            [var watcher, ..] when Watchers.Contains(watcher) => new ContinueTarget(text),
            _ => new UnknownTarget(text),
        };
    }

    private static (System.Net.IPAddress Address, int Port)? Endpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        var host = text[..colon].Trim('[', ']');
        return IpText.TryParseAddress(host, out var address) && !host.Contains('-', StringComparison.Ordinal) ? (address, port) : null;
    }

    /// <summary>Splits on spaces, keeping "quoted strings" (with \" and \\ inside) whole, unquoted.</summary>
    public static List<string> Tokenize(string spec)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        for (var i = 0; i < spec.Length; i++)
        {
            var c = spec[i];
            if (quoted && c == '\\' && i + 1 < spec.Length)
            {
                current.Append(spec[++i]);
            }
            else if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any || current.Length > 0)
                {
                    tokens.Add(current.ToString());
                }

                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
            }
        }

        if (any || current.Length > 0)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }
}
