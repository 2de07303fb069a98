using System.Collections.Immutable;
using NodeProxy.RuleSets;

namespace NodeProxy.Diff;

/// <summary>
/// The batch that takes the kernel from <c>current</c> to <c>wanted</c>, writing only what
/// differs: new and changed chains (each whole or as rule edits, whichever is smaller), stale
/// chains flushed and then deleted after every reference to them is gone, missing jumps inserted.
/// Pure: the caller supplies the current state (the last applied rule set, or what iptables-save
/// read back) and applies the batch.
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
        var text = new BatchWriter();
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

        return text.Finish(written, deleted, edited, new KernelTables(after.ToImmutable()));
    }

    /// <param name="Rules">Each a line, or a <see cref="WholeChain"/> written from its rule text.</param>
    private sealed record Section(List<string> Declarations, List<object> Rules, List<string> Deletions, int Written, int Deleted, int Edited)
    {
        public TableState After { get; init; } = TableState.Empty;

        public List<StagedChain> Staged { get; init; } = [];
    }

    private static Section DiffTable(TableState current, Table wanted, int? stagingLimit)
    {
        var staging = stagingLimit is not null;
        List<string> declarations = [], deletions = [];
        List<object> rules = [];
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

            // The applied state keeps the very text the chain holds: no copy per rule.
            var wantedRules = chain.Text;
            if (exists && wantedRules.Equals(currentRules))
            {
                continue;
            }

            after[chain.Name] = wantedRules;
            if (staging && !exists)
            {
                staged.Add(new StagedChain(chain.Name, wantedRules));
                written++;
                continue;
            }

            if (exists)
            {
                var edits = RuleEdits.Compute(chain.Name, [.. currentRules!], [.. wantedRules]);
                if (edits is not null && edits.Sum(l => l.Length + 1) < WholeSize(chain.Name, wantedRules) + chain.Name.Length + 10)
                {
                    rules.AddRange(edits);
                    edited += edits.Count;
                    continue;
                }
            }

            declarations.Add($":{chain.Name} - [0:0]");
            rules.Add(new WholeChain(chain.Name, wantedRules));
            written++;
        }

        if (staged.Count <= stagingLimit)
        {
            // Too few to be worth a transaction of their own: each commit costs a validation of
            // the whole table in the kernel (~80 ms at 10k services), so they join the switch-over.
            foreach (var chain in staged)
            {
                declarations.Add($":{chain.Name} - [0:0]");
                rules.Add(new WholeChain(chain.Name, chain.Specs));
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
    private static int DiffJumps(ImmutableArray<JumpRule> current, ImmutableArray<JumpRule> wantedJumps, List<object> rules)
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

    private static void Append(BatchWriter text, string table, Section section)
    {
        if (section.Declarations.Count + section.Rules.Count + section.Deletions.Count == 0)
        {
            return;
        }

        text.Table(table);
        section.Declarations.ForEach(text.Line);
        foreach (var rule in section.Rules)
        {
            if (rule is WholeChain whole)
            {
                text.Rules(whole.Name, whole.Rules);
            }
            else
            {
                text.Line((string)rule);
            }
        }

        section.Deletions.ForEach(text.Line);
        text.Line("COMMIT");
    }

    /// <summary>
    /// Staged chains in transactions of at most <paramref name="limit"/>, each chain after the
    /// staged chains it jumps to, so every transaction only names chains that already exist.
    /// </summary>
    private static void AppendStaged(BatchWriter text, string table, List<StagedChain> staged, int limit)
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
            var below = JumpsTo(chain.Specs).Where(byName.ContainsKey).Select(j => Depth(byName[j]) + 1).DefaultIfEmpty(0).Max();
            return depth[chain.Name] = below;
        }

        // One depth a wave: a transaction never jumps to a chain of its own wave, so the
        // transactions of a wave can be loaded side by side (RestoreBatch.Steps).
        foreach (var level in staged.GroupBy(Depth).OrderBy(g => g.Key))
        {
            var chains = level.ToList();
            for (var start = 0; start < chains.Count; start += limit)
            {
                var chunk = chains.GetRange(start, Math.Min(limit, chains.Count - start));
                text.BeginStaged(level.Key);
                text.Table(table);
                foreach (var chain in chunk)
                {
                    text.Line($":{chain.Name} - [0:0]");
                }

                foreach (var chain in chunk)
                {
                    text.Rules(chain.Name, chain.Specs);
                }

                text.Line("COMMIT");
                text.EndStaged();
            }
        }
    }

    private sealed record StagedChain(string Name, RuleText Specs);

    private sealed record WholeChain(string Name, RuleText Rules);

    /// <summary>The chains a chain's rules jump to ("-j NAME", always the rule's last words but for a target's options), read off the text.</summary>
    private static IEnumerable<string> JumpsTo(RuleText rules)
    {
        foreach (var line in rules.Lines())
        {
            if (Jump(line.Span) is { } chain)
            {
                yield return chain;
            }
        }
    }

    private static string? Jump(ReadOnlySpan<byte> spec)
    {
        var at = spec.StartsWith("-j "u8) ? 3 : spec.LastIndexOf(" -j "u8) is var i and >= 0 ? i + 4 : -1;
        return at >= 0 && spec[at..].IndexOf((byte)' ') < 0 ? System.Text.Encoding.UTF8.GetString(spec[at..]) : null;
    }

    private static int WholeSize(string chain, RuleText rules) => (rules.Count * (chain.Length + 4)) + rules.Bytes.Length;
}
