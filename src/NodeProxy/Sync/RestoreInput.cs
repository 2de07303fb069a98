using System.Text;

namespace NodeProxy.Sync;

/// <summary>
/// A restore batch as the tool reads it: its size up front (the restore's deadline grows with
/// it), then its UTF-8 bytes in pieces, written to the tool as they come.
/// </summary>
/// <param name="Chunks">The bytes in order; each call enumerates them afresh.</param>
public sealed record RestoreInput(int Bytes, Func<IEnumerable<ReadOnlyMemory<byte>>> Chunks)
{
    public static RestoreInput Of(string text) => new(Encoding.UTF8.GetByteCount(text), () => [Encoding.UTF8.GetBytes(text)]);

    public static RestoreInput Of(Diff.RestoreBatch batch) => new(batch.Bytes, batch.Chunks);

    public static RestoreInput Of(Diff.BatchPart part) => new(part.Bytes, part.Chunks);

    /// <summary>The whole batch as one string: for an error message, once the restore is over.</summary>
    public string Text() => Encoding.UTF8.GetString([.. Chunks().SelectMany(c => c.ToArray())]);
}
