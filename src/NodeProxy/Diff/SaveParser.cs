using System.Collections.Immutable;
using NodeProxy.RuleSets;

namespace NodeProxy.Diff;

/// <summary>
/// Reads iptables-save output back into <see cref="KernelTables"/>, keeping only what NodeProxy
/// owns: chains with its prefix, and rules in built-in chains that jump to them.
/// </summary>
public static class SaveParser
{
    private static readonly HashSet<string> Builtins = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

    public static KernelTables Parse(string save)
    {
        var tables = ImmutableDictionary.CreateBuilder<string, TableState>();
        string? table = null;
        Dictionary<string, List<string>> chains = [];
        List<JumpRule> jumps = [];
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('*'))
            {
                table = line[1..];
                chains = [];
                jumps = [];
            }
            else if (line == "COMMIT" && table is not null)
            {
                tables[table] = new TableState(
                    chains.ToImmutableDictionary(c => c.Key, c => RuleText.Of(c.Value)), [.. jumps]);
                table = null;
            }
            else if (line.StartsWith(':') && table is not null)
            {
                var name = line[1..line.IndexOf(' ')];
                if (TableState.IsOwned(name))
                {
                    chains[name] = [];
                }
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal) && table is not null)
            {
                var space = line.IndexOf(' ', 3);
                var chain = line[3..space];
                var spec = line[(space + 1)..];
                if (chains.TryGetValue(chain, out var rules))
                {
                    rules.Add(spec);
                }
                else if (Builtins.Contains(chain) && JumpsToOwned(spec))
                {
                    jumps.Add(new JumpRule(chain, spec));
                }
            }
        }

        return new KernelTables(tables.ToImmutable());
    }

    private static bool JumpsToOwned(string spec)
    {
        var jump = spec.LastIndexOf("-j ", StringComparison.Ordinal);
        return jump >= 0 && TableState.IsOwned(spec[(jump + 3)..].Split(' ')[0]);
    }
}
