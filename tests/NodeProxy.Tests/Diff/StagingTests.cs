using NodeProxy.Diff;
using NodeProxy.Rendering;
using Xunit;

namespace NodeProxy.Tests.Diff;

/// <summary>
/// Chains written ahead of the switch-over (iptables-nft): what a packet can reach must change in
/// one transaction, and every earlier transaction may only name chains that exist by then.
/// </summary>
public sealed class StagingTests
{
    private static readonly RuleSets.RuleSet Wanted = Renderer.Render(SyntheticModel.Create(300));

    [Fact]
    public void AColdLoadIsSplitIntoSmallTransactionsEachNamingOnlyChainsThatExistByThen()
    {
        var batch = Differ.Diff(KernelTables.Empty, Wanted, stagingLimit: 20);

        var transactions = Transactions(batch.Text);
        var nat = transactions.Where(t => t.Table == "nat").ToList();
        Assert.True(nat.Count > 300 / 20, $"{nat.Count} nat transactions");
        var existing = new HashSet<string>();
        foreach (var (table, lines) in transactions)
        {
            var declared = lines.Where(l => l.StartsWith(':')).Select(l => l[1..l.IndexOf(' ')]).ToList();
            existing.UnionWith(declared.Select(c => $"{table}/{c}"));
            foreach (var target in lines.Select(JumpTarget).OfType<string>())
            {
                Assert.Contains($"{table}/{target}", existing);
            }
        }

        // Everything but the last transaction of a table is invisible: no built-in chain jumps to
        // NodeProxy's chains until the switch-over, which is where the jumps are inserted.
        foreach (var staged in nat.SkipLast(1).Concat(transactions.Where(t => t.Table == "filter").SkipLast(1)))
        {
            Assert.InRange(staged.Lines.Count(l => l.StartsWith(':')), 1, 20);
            Assert.All(staged.Lines, l => Assert.DoesNotMatch("^(-I|-D) ", l));
        }

        Assert.Contains(nat[^1].Lines, l => l.StartsWith("-I PREROUTING ", StringComparison.Ordinal));
        Assert.Equal(KernelTables.From(Wanted).Table("nat").Chains.Count, transactions.Where(t => t.Table == "nat").Sum(t => t.Lines.Count(l => l.StartsWith(':'))));
    }

    [Fact]
    public void ASmallChangeIsTheSameOneTransactionWithOrWithoutStaging()
    {
        var applied = KernelTables.From(Wanted);
        var changed = Renderer.Render(SyntheticModel.Replace(SyntheticModel.Create(300), 42, p => p with
        {
            ClusterEndpoints = p.ClusterEndpoints.RemoveAt(0),
        }));

        var staged = Differ.Diff(applied, changed, stagingLimit: 20);

        Assert.Equal(Differ.Diff(applied, changed).Text, staged.Text);
        Assert.Single(Transactions(staged.Text));
    }

    [Fact]
    public void ANewServiceIsWrittenInTheSwitchOverNotInATransactionOfItsOwn()
    {
        // Every transaction makes the kernel re-validate the table: a few new chains are not worth one.
        var model = SyntheticModel.Create(300);
        var added = Renderer.Render(model with { Services = model.Services.Add(SyntheticModel.Service(300)) });

        var batch = Differ.Diff(KernelTables.From(Wanted), added, stagingLimit: 20);

        Assert.Single(Transactions(batch.Text));
        Assert.Equal(1, batch.ChainsWritten);
    }

    [Fact]
    public void AChangedChainIsWrittenInTheSwitchOverEvenWhenNewOnesAreStaged()
    {
        var kernel = KernelTables.From(Wanted);
        var services = kernel.Table("nat").Chains.Keys.Where(c => c.StartsWith("NP-SVC-", StringComparison.Ordinal)).ToList();
        var changed = services[0];
        // The kernel lacks 100 service chains (written ahead) and holds one other one wrong (a packet can reach it).
        var nat = kernel.Table("nat") with { Chains = kernel.Table("nat").Chains.RemoveRange(services.Skip(1).Take(100)).SetItem(changed, ["-j ACCEPT"]) };

        var batch = Differ.Diff(kernel with { Tables = kernel.Tables.SetItem("nat", nat) }, Wanted, stagingLimit: 20);

        var transactions = Transactions(batch.Text).Where(t => t.Table == "nat").ToList();
        Assert.True(transactions.Count > 100 / 20);
        Assert.Contains(transactions[^1].Lines, l => l.Contains(changed, StringComparison.Ordinal));
        Assert.DoesNotContain(transactions.SkipLast(1).SelectMany(t => t.Lines), l => l.Contains(changed, StringComparison.Ordinal));
        Assert.Equal(100, transactions.SkipLast(1).Sum(t => t.Lines.Count(l => l.StartsWith(':'))));
    }

    [Fact]
    public void StagedTransactionsAreSharedOutInWavesWhoseLanesNeverNameEachOthersChains()
    {
        var batch = Differ.Diff(KernelTables.Empty, Renderer.Render(SyntheticModel.Create(300, mix: new ClusterMix(3, 5, 4))), stagingLimit: 20);

        var steps = batch.Steps(lanes: 3);

        Assert.True(steps.Count >= 3, $"{steps.Count} steps: the chains are more than one wave deep");
        var existing = new HashSet<string>();
        foreach (var step in steps.SkipLast(1))
        {
            Assert.InRange(step.Count, 1, 3);
            var declaredByStep = new List<string>();
            foreach (var part in step)
            {
                Assert.Equal(part.Bytes, System.Text.Encoding.UTF8.GetByteCount(Text(part)));
                foreach (var (table, lines) in Transactions(Text(part)))
                {
                    var declared = lines.Where(l => l.StartsWith(':')).Select(l => $"{table}/{l[1..l.IndexOf(' ')]}").ToHashSet();
                    Assert.All(lines, l => Assert.DoesNotMatch("^(-I|-D) ", l));
                    foreach (var target in lines.Select(JumpTarget).OfType<string>())
                    {
                        Assert.True(existing.Contains($"{table}/{target}") || declared.Contains($"{table}/{target}"), $"{target} is neither an earlier wave's nor its own transaction's");
                    }

                    declaredByStep.AddRange(declared);
                }
            }

            existing.UnionWith(declaredByStep);
        }

        // The switch-over comes last, whole, after every staged chain.
        var last = Assert.Single(steps[^1]);
        Assert.Contains("-I PREROUTING ", Text(last));
        Assert.Equal(batch.Text.Split('\n').Order(StringComparer.Ordinal), steps.SelectMany(s => s).SelectMany(p => Text(p).Split('\n')).Where(l => l.Length > 0).Append("").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OneLaneOrASmallChangeIsTheWholeBatchInOneRestore()
    {
        var cold = Differ.Diff(KernelTables.Empty, Wanted, stagingLimit: 20);
        var changed = Differ.Diff(KernelTables.From(Wanted), Renderer.Render(SyntheticModel.Replace(SyntheticModel.Create(300), 42, p => p with
        {
            ClusterEndpoints = p.ClusterEndpoints.RemoveAt(0),
        })), stagingLimit: 20);

        Assert.Equal(cold.Text, Text(Assert.Single(Assert.Single(cold.Steps(lanes: 1)))));
        Assert.Equal(changed.Text, Text(Assert.Single(Assert.Single(changed.Steps(lanes: 4)))));
    }

    private static string Text(BatchPart part) => System.Text.Encoding.UTF8.GetString([.. part.Chunks().SelectMany(c => c.ToArray())]);

    private static string? JumpTarget(string line)
    {
        var at = line.IndexOf(" -j NP-", StringComparison.Ordinal);
        return at < 0 ? null : line[(at + 4)..].Split(' ')[0];
    }

    private static List<(string Table, List<string> Lines)> Transactions(string text)
    {
        var result = new List<(string, List<string>)>();
        List<string>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                current = [];
                result.Add((line[1..], current));
            }
            else if (line != "COMMIT" && line.Length > 0)
            {
                current!.Add(line);
            }
        }

        return result;
    }
}
