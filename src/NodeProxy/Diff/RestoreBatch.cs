namespace NodeProxy.Diff;

/// <summary>One iptables-restore --noflush input, with what it costs to write.</summary>
public sealed record RestoreBatch(string Text, int ChainsWritten, int ChainsDeleted, int RulesEdited)
{
    /// <summary>Nothing differs: no restore needs to run.</summary>
    public bool IsEmpty => ChainsWritten == 0 && ChainsDeleted == 0 && RulesEdited == 0;

    public int Bytes => System.Text.Encoding.UTF8.GetByteCount(Text);

    public int Lines => Text.Count(c => c == '\n');
}
