using System.Collections.Immutable;
using System.Text;
using NodeProxy.RuleSets;

namespace NodeProxy.Diff;

/// <summary>
/// The batch that takes the kernel from <c>current</c> to <c>wanted</c>, writing only what
/// differs: new and changed chains (each whole or as rule edits, whichever is smaller), stale
/// chains flushed and then deleted after every reference to them is gone, missing jumps inserted.
/// Pure: the caller supplies the current state (the last applied rule set, or what iptables-save
/// read back) and applies the text.
/// </summary>
public static class Differ
{
    /// <param name="stagingLimit">
    /// When set, chains no packet can reach yet (new ones) are written ahead in transactions of at most this many chains; the
    /// last transaction switches over everything a packet can see. iptables-nft-restore resolves
    /// each rule's chain against a list of every chain its transaction names, so one transaction
    /// of N chains costs O(rules x N): at 10k services that is most of a cold load.
    /// </param>
    public static RestoreBatch Diff(KernelTables current, RuleSet wanted, int? stagingLimit = null)
    {
        var text = new StringBuilder();
        int written = 0, deleted = 0, edited = 0;
        var wantedTables = wanted.Tables.Select(t => t.Name).ToHashSet();
        var after = ImmutableDictionary.CreateBuilder<string, TableState>();
        foreach (var table in wanted.Tables)
        {
            var section = DiffTable(current.Table(table.Name), table, stagingLimit);
            AppendStaged(text, table.Name, section.Staged, stagingLimit ?? int.MaxValue);
            Append(text, table.Name, section);
            written += section.Written;
            deleted += section.Deleted;
            edited += section.Edited;
            after[table.Name] = section.After;
        }

        // A table NodeProxy no longer writes at all: remove what it left there.
        foreach (var (name, state) in current.Tables.Where(t => !wantedTables.Contains(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var section = DiffTable(state, new Table(name, [], []), stagingLimit: null);
            Append(text, name, section);
            deleted += section.Deleted;
            edited += section.Edited;
        }

        return new RestoreBatch(text.ToString(), written, deleted, edited) { After = new KernelTables(after.ToImmutable()) };
    }

    private sealed record Section(List<string> Declarations, List<string> Rules, List<string> Deletions, int Written, int Deleted, int Edited)
    {
        public TableState After { get; init; } = TableState.Empty;

        public List<StagedChain> Staged { get; init; } = [];
    }

    private static Section DiffTable(TableState current, Table wanted, int? stagingLimit)
    {
        var staging = stagingLimit is not null;
        List<string> declarations = [], rules = [], deletions = [];
        List<StagedChain> staged = [];
        int written = 0, edited = 0, kept = 0;
        // Built from the current state, so a sync that changes a few chains pays for those only:
        // at 10k services a rebuild of every chain's entry costs more than the rest of the diff.
        var after = current.Chains.ToBuilder();
        var applied = new AppliedChains(current.Source);
        foreach (var chain in wanted.Chains)
        {
            if (applied.Contains(chain))
            {
                kept++;
                continue;
            }

            var exists = current.Chains.TryGetValue(chain.Name, out var currentRules);
            if (exists)
            {
                kept++;
            }

            if (exists && SameSpecs(chain.Rules, currentRules))
            {
                continue;
            }

            ImmutableArray<string> wantedRules = [.. chain.Rules.Select(r => r.RenderSpec())];
            after[chain.Name] = wantedRules;
            if (staging && !exists)
            {
                staged.Add(new StagedChain(chain.Name, wantedRules, [.. chain.Rules.Select(r => r.Target).OfType<JumpTarget>().Select(j => j.Chain)]));
                written++;
                continue;
            }

            var whole = wantedRules.Select(spec => $"-A {chain.Name} {spec}").ToList();
            if (exists)
            {
                var edits = RuleEdits.Compute(chain.Name, currentRules, wantedRules);
                if (edits is not null && Size(edits) < Size(whole) + chain.Name.Length + 10)
                {
                    rules.AddRange(edits);
                    edited += edits.Count;
                    continue;
                }
            }

            declarations.Add($":{chain.Name} - [0:0]");
            rules.AddRange(whole);
            written++;
        }

        if (staged.Count <= stagingLimit)
        {
            // Too few to be worth a transaction of their own: each commit costs a validation of
            // the whole table in the kernel (~80 ms at 10k services), so they join the switch-over.
            foreach (var chain in staged)
            {
                declarations.Add($":{chain.Name} - [0:0]");
                rules.AddRange(chain.Specs.Select(spec => $"-A {chain.Name} {spec}"));
            }

            staged.Clear();
        }

        // Every current chain still wanted: nothing is stale, and the scan below is skipped.
        List<string> stale = [];
        if (kept != current.Chains.Count)
        {
            var wantedNames = wanted.Chains.Select(c => c.Name).ToHashSet();
            stale = [.. current.Chains.Keys.Where(c => !wantedNames.Contains(c)).Order(StringComparer.Ordinal)];
            after.RemoveRange(stale);
        }

        foreach (var chain in stale)
        {
            // Declaring flushes it, so its own jumps go before it is deleted at the end.
            declarations.Add($":{chain} - [0:0]");
            deletions.Add($"-X {chain}");
        }

        var wantedJumps = wanted.Jumps.Select(j => new JumpRule(j.BuiltinChain, j.Rule.RenderSpec())).ToImmutableArray();
        edited += DiffJumps(current.Jumps, wantedJumps, rules);
        return new Section(declarations, rules, deletions, written, stale.Count, edited) { After = new TableState(after.ToImmutable(), wantedJumps).Holding(wanted), Staged = staged };
    }

    /// <summary>Jumps are ensured, never duplicated: extra copies and unwanted jumps are deleted.</summary>
    private static int DiffJumps(ImmutableArray<JumpRule> current, ImmutableArray<JumpRule> wantedJumps, List<string> rules)
    {
        var edits = 0;
        foreach (var group in current.GroupBy(j => j))
        {
            var keep = wantedJumps.Contains(group.Key) ? 1 : 0;
            foreach (var extra in group.Skip(keep))
            {
                rules.Add($"-D {extra.BuiltinChain} {extra.Spec}");
                edits++;
            }
        }

        foreach (var group in wantedJumps.GroupBy(j => j.BuiltinChain))
        {
            var position = 1;
            foreach (var jump in group)
            {
                if (!current.Contains(jump))
                {
                    rules.Add($"-I {jump.BuiltinChain} {position} {jump.Spec}");
                    edits++;
                }

                position++;
            }
        }

        return edits;
    }

    private static void Append(StringBuilder text, string table, Section section)
    {
        if (section.Declarations.Count + section.Rules.Count + section.Deletions.Count == 0)
        {
            return;
        }

        text.Append('*').Append(table).Append('\n');
        foreach (var line in section.Declarations.Concat(section.Rules).Concat(section.Deletions))
        {
            text.Append(line).Append('\n');
        }

        text.Append("COMMIT\n");
    }

    /// <summary>
    /// Staged chains in transactions of at most <paramref name="limit"/>, each chain after the
    /// staged chains it jumps to, so every transaction only names chains that already exist.
    /// </summary>
    private static void AppendStaged(StringBuilder text, string table, List<StagedChain> staged, int limit)
    {
        var byName = staged.ToDictionary(c => c.Name);
        var depth = new Dictionary<string, int>();
        int Depth(StagedChain chain)
        {
            if (depth.TryGetValue(chain.Name, out var known))
            {
                return known;
            }

            depth[chain.Name] = 0; // a loop is refused by iptables anyway; do not recurse forever
            var below = chain.JumpsTo.Where(byName.ContainsKey).Select(j => Depth(byName[j]) + 1).DefaultIfEmpty(0).Max();
            return depth[chain.Name] = below;
        }

        var ordered = staged.OrderBy(Depth).ToList();
        for (var start = 0; start < ordered.Count; start += limit)
        {
            var chunk = ordered.GetRange(start, Math.Min(limit, ordered.Count - start));
            text.Append('*').Append(table).Append('\n');
            foreach (var chain in chunk)
            {
                text.Append(':').Append(chain.Name).Append(" - [0:0]\n");
            }

            foreach (var chain in chunk)
            {
                foreach (var spec in chain.Specs)
                {
                    text.Append("-A ").Append(chain.Name).Append(' ').Append(spec).Append('\n');
                }
            }

            text.Append("COMMIT\n");
        }
    }

    private sealed record StagedChain(string Name, ImmutableArray<string> Specs, IReadOnlyList<string> JumpsTo);

    private static bool SameSpecs(ImmutableArray<Rule> wanted, ImmutableArray<string> current)
    {
        if (wanted.Length != current.Length)
        {
            return false;
        }

        for (var i = 0; i < wanted.Length; i++)
        {
            if (!string.Equals(wanted[i].RenderSpec(), current[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static int Size(IEnumerable<string> lines) => lines.Sum(l => l.Length + 1);
}
