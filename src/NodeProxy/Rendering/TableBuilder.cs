using System.Collections.Immutable;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>Collects one table's chains in the order they are first declared.</summary>
internal sealed class TableBuilder(string name)
{
    private readonly Dictionary<string, List<Rule>> chains = [];
    private readonly List<string> order = [];
    private readonly List<BuiltinJump> jumps = [];

    public TableBuilder Declare(string chain)
    {
        if (!chains.ContainsKey(chain))
        {
            chains[chain] = [];
            order.Add(chain);
        }

        return this;
    }

    public void Add(string chain, Rule rule)
    {
        Declare(chain);
        chains[chain].Add(rule);
    }

    public void Jump(string builtin, Rule rule) => jumps.Add(new BuiltinJump(builtin, rule));

    /// <summary>Declares and appends everything this builder holds to <paramref name="target"/>, in order.</summary>
    public void CopyTo(TableBuilder target)
    {
        foreach (var chain in order)
        {
            target.Declare(chain);
            target.chains[chain].AddRange(chains[chain]);
        }

        target.jumps.AddRange(jumps);
    }

    /// <summary>Chains ordered by <paramref name="rank"/>, then by first declaration.</summary>
    public Table Build(Func<string, int> rank) =>
        new(name, [.. order.OrderBy(rank).Select(c => new Chain(c, [.. chains[c]]))], [.. jumps]);
}
