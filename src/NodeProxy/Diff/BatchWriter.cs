using System.Collections.Immutable;
using System.Text;
using NodeProxy.RuleSets;

namespace NodeProxy.Diff;

/// <summary>
/// Builds a <see cref="RestoreBatch"/>: the differ's own lines are gathered as text, whole chains
/// are kept as the rule text they already are. Counts bytes, lines and rules as they come, so the
/// batch knows its size without being written out.
/// </summary>
internal sealed class BatchWriter
{
    private readonly ImmutableArray<object>.Builder pieces = ImmutableArray.CreateBuilder<object>();
    private readonly StringBuilder pending = new();
    private readonly Dictionary<string, int> rulesWritten = new(StringComparer.Ordinal);
    private readonly ImmutableArray<RestoreBatch.StagedTransaction>.Builder staged = ImmutableArray.CreateBuilder<RestoreBatch.StagedTransaction>();
    private (int Wave, int FirstPiece, int Bytes)? stagedOpen;
    private string table = "";
    private int bytes;
    private int lines;

    public void Table(string name)
    {
        Line("*" + name);
        table = name;
        rulesWritten.TryAdd(name, 0);
    }

    public void Line(string line)
    {
        pending.Append(line).Append('\n');
        bytes += Encoding.UTF8.GetByteCount(line) + 1;
        lines++;
        if (line.StartsWith("-A ", StringComparison.Ordinal) || line.StartsWith("-I ", StringComparison.Ordinal))
        {
            rulesWritten[table]++;
        }
    }

    /// <summary>"-A CHAIN spec" for each of the chain's rules, straight from its text.</summary>
    public void Rules(string chain, RuleText rules)
    {
        if (rules.Count == 0)
        {
            return;
        }

        Flush();
        var prefix = Encoding.UTF8.GetBytes($"-A {chain} ");
        pieces.Add(new RestoreBatch.ChainLines(prefix, rules));
        bytes += (prefix.Length * rules.Count) + rules.Bytes.Length;
        lines += rules.Count;
        rulesWritten[table] += rules.Count;
    }

    /// <summary>
    /// What follows, up to <see cref="EndStaged"/>, is one staged transaction: chains no packet
    /// reaches yet, jumping only to chains of earlier <paramref name="wave"/>s or already in the kernel.
    /// </summary>
    public void BeginStaged(int wave)
    {
        Flush();
        stagedOpen = (wave, pieces.Count, bytes);
    }

    public void EndStaged()
    {
        Flush();
        var (wave, first, start) = stagedOpen ?? throw new InvalidOperationException("no staged transaction is open");
        staged.Add(new RestoreBatch.StagedTransaction(wave, first, pieces.Count, bytes - start));
        stagedOpen = null;
    }

    public RestoreBatch Finish(int chainsWritten, int chainsDeleted, int rulesEdited, KernelTables after)
    {
        Flush();
        return new RestoreBatch(pieces.ToImmutable(), bytes, lines, rulesWritten, chainsWritten, chainsDeleted, rulesEdited) { After = after, Staged = staged.ToImmutable() };
    }

    private void Flush()
    {
        if (pending.Length > 0)
        {
            pieces.Add(pending.ToString());
            pending.Clear();
        }
    }
}
