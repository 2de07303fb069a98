using System.Collections.Immutable;
using System.Globalization;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Trace.Live;

/// <summary>A rule as the kernel holds it: its text after "-A CHAIN" and its counters.</summary>
public sealed record RuleFacts(string Text, long Packets, long Bytes);

/// <summary>
/// Every table of one family as "iptables-save -c" printed it, all rules included (NodeProxy's,
/// the CNI's, the firewall's): the rules in the tracer's form, with each rule's text and counters
/// and each built-in chain's policy. Rules in built-in chains are kept as <see cref="BuiltinJump"/>s,
/// in order, so rule numbers are the kernel's.
/// </summary>
public sealed record LiveTables(
    RuleSet Rules,
    ImmutableDictionary<(string Table, string Chain), RuleFacts> Policies,
    ImmutableDictionary<(string Table, string Chain, int Number), RuleFacts> Facts)
{
    private static readonly HashSet<string> Builtins = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

    public RuleFacts? Find(string table, string chain, int number) => Facts.GetValueOrDefault((table, chain, number));

    public string Policy(string table, string chain) => Policies.GetValueOrDefault((table, chain))?.Text ?? "ACCEPT";

    public static LiveTables Parse(string save, IpFamily family)
    {
        var tables = ImmutableArray.CreateBuilder<Table>();
        var policies = ImmutableDictionary.CreateBuilder<(string, string), RuleFacts>();
        var facts = ImmutableDictionary.CreateBuilder<(string, string, int), RuleFacts>();
        string? table = null;
        var declared = new List<string>();
        var known = new HashSet<string>();
        var chains = new Dictionary<string, List<Rule>>();
        var jumps = new List<BuiltinJump>();
        var numbers = new Dictionary<string, int>();
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var (packets, bytes, rest) = Counters(line);
            if (line.StartsWith('*'))
            {
                (table, declared, known, chains, jumps, numbers) = (line[1..], [], [], [], [], []);
            }
            else if (table is null)
            {
                continue;
            }
            else if (line == "COMMIT")
            {
                tables.Add(new Table(table, [.. declared.Where(c => !Builtins.Contains(c)).Select(c => new Chain(c, [.. chains[c]]))], [.. jumps]));
                table = null;
            }
            else if (line.StartsWith(':'))
            {
                var parts = line[1..].Split(' ');
                declared.Add(parts[0]);
                known.Add(parts[0]);
                chains[parts[0]] = [];
                if (Builtins.Contains(parts[0]))
                {
                    var (p, b, _) = Counters(parts.Length > 2 ? parts[2] + " " : "");
                    policies[(table, parts[0])] = new RuleFacts(parts.Length > 1 ? parts[1] : "ACCEPT", p, b);
                }
            }
            else if (rest.StartsWith("-A ", StringComparison.Ordinal))
            {
                var space = rest.IndexOf(' ', 3);
                var chain = space < 0 ? rest[3..] : rest[3..space];
                var spec = space < 0 ? "" : rest[(space + 1)..];
                var rule = LiveRuleParser.Parse(spec, family, known);
                if (Builtins.Contains(chain))
                {
                    jumps.Add(new BuiltinJump(chain, rule));
                }
                else if (chains.TryGetValue(chain, out var list))
                {
                    list.Add(rule);
                }
                else
                {
                    continue;
                }

                var number = numbers[chain] = numbers.GetValueOrDefault(chain) + 1;
                facts[(table, chain, number)] = new RuleFacts(spec, packets, bytes);
            }
        }

        return new LiveTables(new RuleSet(family, tables.ToImmutable()), policies.ToImmutable(), facts.ToImmutable());
    }

    /// <summary>"[12:3456] rest" -> 12, 3456, "rest"; a line without counters gives zeros.</summary>
    private static (long Packets, long Bytes, string Line) Counters(string line)
    {
        if (!line.StartsWith('[') || line.IndexOf("] ", StringComparison.Ordinal) is not (> 0 and var end))
        {
            return (0, 0, line);
        }

        var parts = line[1..end].Split(':');
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var packets)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
            ? (packets, bytes, line[(end + 2)..])
            : (0, 0, line);
    }
}
