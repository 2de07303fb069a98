using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace NodeProxy.Diff;

/// <summary>
/// One iptables-restore --noflush input, with what it costs to write. It is kept in pieces: the
/// differ's own lines as text, and whole chains as the <see cref="RuleSets.RuleText"/> the rule
/// set already holds, so the restore streams those bytes out as they are and a cold load never
/// holds its batch twice (at 10k services it is ~20 MiB).
/// </summary>
public sealed class RestoreBatch
{
    private readonly ImmutableArray<object> pieces;

    internal RestoreBatch(ImmutableArray<object> pieces, int bytes, int lines, IReadOnlyDictionary<string, int> rulesWritten, int chainsWritten, int chainsDeleted, int rulesEdited)
    {
        this.pieces = pieces;
        (Bytes, Lines, RulesWritten) = (bytes, lines, rulesWritten);
        (ChainsWritten, ChainsDeleted, RulesEdited) = (chainsWritten, chainsDeleted, rulesEdited);
    }

    public int ChainsWritten { get; }

    public int ChainsDeleted { get; }

    public int RulesEdited { get; }

    /// <summary>
    /// What the kernel holds once the batch is applied, in the same form: the diff had to render
    /// every wanted rule anyway, so the syncer keeps this instead of rendering them again.
    /// </summary>
    public KernelTables After { get; init; } = KernelTables.Empty;

    /// <summary>Nothing differs: no restore needs to run.</summary>
    public bool IsEmpty => ChainsWritten == 0 && ChainsDeleted == 0 && RulesEdited == 0;

    /// <summary>The size of the input in UTF-8, known before it is written (the restore's deadline grows with it).</summary>
    public int Bytes { get; }

    public int Lines { get; }

    /// <summary>Rule lines (-A, -I) the batch writes, per table it names.</summary>
    public IReadOnlyDictionary<string, int> RulesWritten { get; }

    /// <summary>
    /// The input in order, as UTF-8: each chain's rules as slices of its text, after its "-A CHAIN "
    /// prefix. Enumerate again for another copy.
    /// </summary>
    public IEnumerable<ReadOnlyMemory<byte>> Chunks() => Chunks(Enumerable.Range(0, pieces.Length));

    /// <summary>
    /// The staged transactions (see <see cref="Differ.Diff"/>), each with its wave: a transaction
    /// only jumps to chains of earlier waves or already in the kernel. Empty when nothing is staged.
    /// </summary>
    internal ImmutableArray<StagedTransaction> Staged { get; init; } = [];

    /// <summary>
    /// The batch as restores to run: step after step, the parts of one step side by side, each
    /// part one iptables-restore input. With one lane, or nothing staged, that is the whole batch
    /// as one input. With more, each wave of staged transactions is shared out among up to
    /// <paramref name="lanes"/> parts (balanced by bytes), and the rest (the switch-over, which
    /// every staged chain must precede) is the last step, in its own order. Loading staged chains
    /// early changes nothing a packet sees: nothing jumps to them until the switch-over.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<BatchPart>> Steps(int lanes)
    {
        if (lanes < 2 || Staged.Length < 2)
        {
            return [[new BatchPart(Bytes, Chunks)]];
        }

        var steps = new List<IReadOnlyList<BatchPart>>();
        foreach (var wave in Staged.GroupBy(t => t.Wave).OrderBy(w => w.Key))
        {
            var shares = Enumerable.Range(0, Math.Min(lanes, wave.Count())).Select(_ => new List<StagedTransaction>()).ToList();
            var shareBytes = new int[shares.Count];
            foreach (var transaction in wave)
            {
                var least = Array.IndexOf(shareBytes, shareBytes.Min());
                shares[least].Add(transaction);
                shareBytes[least] += transaction.Bytes;
            }

            steps.Add([.. shares.Select((share, i) => new BatchPart(shareBytes[i], () => Chunks(share.SelectMany(t => Enumerable.Range(t.FirstPiece, t.EndPiece - t.FirstPiece)))))]);
        }

        var inStaged = new bool[pieces.Length];
        foreach (var transaction in Staged)
        {
            inStaged.AsSpan(transaction.FirstPiece, transaction.EndPiece - transaction.FirstPiece).Fill(true);
        }

        var rest = Bytes - Staged.Sum(t => t.Bytes);
        if (rest > 0)
        {
            steps.Add([new BatchPart(rest, () => Chunks(Enumerable.Range(0, pieces.Length).Where(i => !inStaged[i])))]);
        }

        return steps;
    }

    private IEnumerable<ReadOnlyMemory<byte>> Chunks(IEnumerable<int> indexes)
    {
        foreach (var piece in indexes.Select(i => pieces[i]))
        {
            if (piece is string text)
            {
                yield return Encoding.UTF8.GetBytes(text);
                continue;
            }

            var (prefix, rules) = (ChainLines)piece;
            var bytes = rules.Bytes;
            for (var start = 0; start < bytes.Length;)
            {
                var length = bytes.Span[start..].IndexOf((byte)'\n') + 1;
                yield return prefix;
                yield return bytes.Slice(start, length);
                start += length;
            }
        }
    }

    /// <summary>The whole input as one string: for printing, tests and error messages, never for the restore itself.</summary>
    public string Text
    {
        get
        {
            var all = new byte[Bytes];
            var at = 0;
            foreach (var chunk in Chunks())
            {
                chunk.Span.CopyTo(all.AsSpan(at));
                at += chunk.Length;
            }

            return Encoding.UTF8.GetString(all);
        }
    }

    /// <summary>Whether both write the very same input, compared without building either as a whole.</summary>
    public bool SameInput(RestoreBatch other) =>
        Bytes == other.Bytes && Lines == other.Lines && Digest().AsSpan().SequenceEqual(other.Digest());

    private byte[] Digest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var chunk in Chunks())
        {
            hash.AppendData(chunk.Span);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Pieces [FirstPiece, EndPiece) are one staged transaction of <paramref name="Bytes"/> bytes.</summary>
    internal sealed record StagedTransaction(int Wave, int FirstPiece, int EndPiece, int Bytes);

    /// <summary>A whole chain's rules: "-A CHAIN " (encoded once) before each of its lines.</summary>
    internal sealed record ChainLines(ReadOnlyMemory<byte> Prefix, RuleSets.RuleText Text);
}
