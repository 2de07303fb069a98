using System.Collections.Immutable;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>Collects one table's chains in the order they are first declared.</summary>
internal sealed class TableBuilder(string name)
{
    private readonly Dictionary<string, Parts> chains = [];
    private readonly List<string> order = [];
    private readonly List<BuiltinJump> jumps = [];
    private readonly List<Chain> owned = [];
    private ImmutableArray<Chain> ownedWhole = [];

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
        if (chains[chain].OwnedIndex is not null)
        {
            Add(chain, [rule]);
            return;
        }

        chains[chain].Add(rule);
    }

    /// <summary>
    /// Appends rules built earlier. A chain that gets only this one array (a service's own chain,
    /// replayed from the render cache) keeps it as is: no copy per sync.
    /// </summary>
    public void Add(string chain, ImmutableArray<Rule> rules)
    {
        Declare(chain);
        if (chains[chain].OwnedIndex is { } index)
        {
            owned[index] = Chain.Compact(chain, [.. owned[index].Rules, .. rules]);
            return;
        }

        chains[chain].Add(rules);
    }

    /// <summary>
    /// A service port's own chain, finished: it goes after every other chain, in the order ports
    /// add them, as the very instance given. A name met twice (never, unless two ports of the
    /// model collide) is merged as <see cref="Add(string, ImmutableArray{Rule})"/> would.
    /// </summary>
    public void AddOwned(Chain chain)
    {
        if (chains.TryAdd(chain.Name, new Parts(owned.Count)))
        {
            owned.Add(chain);
            return;
        }

        Add(chain.Name, chain.Rules);
    }

    /// <summary>
    /// Every port's own chains at once, kept as one array when no two share a name (the
    /// renderer's normal case: no per-chain work at 10k services).
    /// </summary>
    public void AddOwned(ImmutableArray<Chain> all, bool namesUnique)
    {
        if (!ownedWhole.IsEmpty)
        {
            throw new InvalidOperationException("a table takes every port's own chains at once, once");
        }

        if (!namesUnique || owned.Count > 0)
        {
            foreach (var chain in all)
            {
                AddOwned(chain);
            }

            return;
        }

        ownedWhole = all;
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

    /// <summary>Chains ordered by <paramref name="rank"/>, then by first declaration; the owned chains last, as added.</summary>
    /// <param name="reuse">Given each chain that is not owned, by name and rules, returns the instance to use for it.</param>
    public Table Build(Func<string, int> rank, Func<string, ImmutableArray<Rule>, Chain>? reuse = null)
    {
        reuse ??= (c, rules) => Chain.Compact(c, rules);
        var all = ImmutableArray.CreateBuilder<Chain>(order.Count + ownedWhole.Length + owned.Count);
        all.AddRange(order.OrderBy(rank).Select(c => reuse(c, chains[c].Build())));
        all.AddRange(ownedWhole);
        all.AddRange(owned);
        return new(name, all.MoveToImmutable(), [.. jumps]);
    }

    /// <summary>One chain's rules: a single array handed in whole, or a list once anything is appended to it.</summary>
    private sealed class Parts(int? ownedIndex = null)
    {
        /// <summary>Where the chain is in the owned list, for a chain added whole by <see cref="AddOwned"/>.</summary>
        public int? OwnedIndex => ownedIndex;

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
