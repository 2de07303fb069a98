namespace NodeProxy.Diff;

/// <summary>One iptables-restore --noflush input, with what it costs to write.</summary>
public sealed record RestoreBatch(string Text, int ChainsWritten, int ChainsDeleted, int RulesEdited)
{
    /// <summary>
    /// What the kernel holds once the batch is applied, in the same string form: the diff had to
    /// render every wanted rule anyway, so the syncer keeps this instead of rendering them again.
    /// </summary>
    public KernelTables After { get; init; } = KernelTables.Empty;

    /// <summary>Nothing differs: no restore needs to run.</summary>
    public bool IsEmpty => ChainsWritten == 0 && ChainsDeleted == 0 && RulesEdited == 0;

    public int Bytes => System.Text.Encoding.UTF8.GetByteCount(Text);

    public int Lines => Text.Count(c => c == '\n');
}
