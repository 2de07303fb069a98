using System.Collections.Immutable;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>Collects one table's chains in the order they are first declared.</summary>
internal sealed class TableBuilder(string name)
{
    private readonly Dictionary<string, Parts> chains = [];
    private readonly List<string> order = [];
    private readonly List<BuiltinJump> jumps = [];

    public TableBuilder Declare(string chain)
    {
        if (!chains.ContainsKey(chain))
        {
            chains[chain] = new Parts();
            order.Add(chain);
        }

        return this;
    }

    public void Add(string chain, Rule rule)
    {
        Declare(chain);
        chains[chain].Add(rule);
    }

    /// <summary>
    /// Appends rules built earlier. A chain that gets only this one array (a service's own chain,
    /// replayed from the render cache) keeps it as is: no copy per sync.
    /// </summary>
    public void Add(string chain, ImmutableArray<Rule> rules)
    {
        Declare(chain);
        chains[chain].Add(rules);
    }

    /// <summary>Removes and returns a chain's rules (the chain stays declared), to lay them out again.</summary>
    public ImmutableArray<Rule> Take(string chain)
    {
        Declare(chain);
        var rules = chains[chain].Build();
        chains[chain] = new Parts();
        return rules;
    }

    public void Jump(string builtin, Rule rule) => jumps.Add(new BuiltinJump(builtin, rule));

    /// <summary>Each chain with its rules so far, in declaration order (for the render cache).</summary>
    public IEnumerable<(string Chain, ImmutableArray<Rule> Rules)> Chains() => order.Select(c => (c, chains[c].Build()));

    /// <summary>Chains ordered by <paramref name="rank"/>, then by first declaration.</summary>
    public Table Build(Func<string, int> rank) =>
        new(name, [.. order.OrderBy(rank).Select(c => new Chain(c, chains[c].Build()))], [.. jumps]);

    /// <summary>One chain's rules: a single array handed in whole, or a list once anything is appended to it.</summary>
    private sealed class Parts
    {
        private ImmutableArray<Rule> whole = [];
        private List<Rule>? list;

        public void Add(Rule rule) => Many().Add(rule);

        public void Add(ImmutableArray<Rule> rules)
        {
            if (list is null && whole.IsEmpty)
            {
                whole = rules;
                return;
            }

            Many().AddRange(rules);
        }

        public ImmutableArray<Rule> Build() => list is null ? whole : [.. list];

        private List<Rule> Many() => list ??= [.. whole];
    }
}
