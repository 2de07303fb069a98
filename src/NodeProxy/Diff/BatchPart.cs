namespace NodeProxy.Diff;

/// <summary>One iptables-restore input of a <see cref="RestoreBatch"/>'s steps: its size, then its UTF-8 bytes in order (each call afresh).</summary>
public sealed record BatchPart(int Bytes, Func<IEnumerable<ReadOnlyMemory<byte>>> Chunks);
