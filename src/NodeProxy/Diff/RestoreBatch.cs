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
    public IEnumerable<ReadOnlyMemory<byte>> Chunks()
    {
        foreach (var piece in pieces)
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

    /// <summary>A whole chain's rules: "-A CHAIN " (encoded once) before each of its lines.</summary>
    internal sealed record ChainLines(ReadOnlyMemory<byte> Prefix, RuleSets.RuleText Text);
}
