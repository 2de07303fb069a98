using System.Text;

namespace NodeProxy.RuleSets;

/// <summary>
/// Writes a rule set as one iptables-restore batch for "--noflush": declaring a chain flushes
/// only that chain, and built-in chains are never declared, so rules NodeProxy does not own are
/// left alone. This is the batch of a first sync into empty tables.
/// </summary>
public static class RestoreText
{
    public static string Write(RuleSet rules)
    {
        var text = new StringBuilder();
        foreach (var table in rules.Tables)
        {
            text.Append('*').Append(table.Name).Append('\n');
            foreach (var chain in table.Chains)
            {
                text.Append(':').Append(chain.Name).Append(" - [0:0]\n");
            }

            foreach (var chain in table.Chains)
            {
                foreach (var spec in chain.Text)
                {
                    text.Append("-A ").Append(chain.Name).Append(' ').Append(spec).Append('\n');
                }
            }

            // At the top of the built-in chain, in the listed order, ahead of anyone else's rules.
            foreach (var group in table.Jumps.GroupBy(j => j.BuiltinChain))
            {
                var position = 1;
                foreach (var jump in group)
                {
                    AppendRule(text, "-I", $"{jump.BuiltinChain} {position++}", jump.Rule);
                }
            }

            text.Append("COMMIT\n");
        }

        return text.ToString();
    }

    public static void AppendRule(StringBuilder text, string verb, string chain, Rule rule) =>
        text.Append(verb).Append(' ').Append(chain).Append(' ').Append(rule.RenderSpec()).Append('\n');
}
