using System.Collections;
using System.Runtime.CompilerServices;
using System.Text;

namespace NodeProxy.RuleSets;

/// <summary>
/// One chain's rules as iptables-save prints each after "-A CHAIN ", in UTF-8, each followed by
/// a newline, in one array. This is what the render cache and the applied state keep per chain:
/// at 10k services ~140k rules cost their bytes and one array per chain, where rule objects
/// with their UTF-16 text cost several times that, and a restore batch copies the lines out as
/// they are. Immutable; compares by content.
/// </summary>
[CollectionBuilder(typeof(RuleText), nameof(Create))]
public sealed class RuleText : IEquatable<RuleText>, IEnumerable<string>
{
    public static readonly RuleText Empty = new([], 0);

    private readonly byte[] bytes;

    private RuleText(byte[] bytes, int count) => (this.bytes, Count) = (bytes, count);

    public int Count { get; }

    /// <summary>Every rule's line, newline included.</summary>
    public ReadOnlyMemory<byte> Bytes => bytes;

    [ThreadStatic]
    private static StringBuilder? scratch;

    /// <summary>The rules' text, rendered into one reused buffer: no string per rule, none kept in the rules.</summary>
    public static RuleText Of(IEnumerable<Rule> rules)
    {
        var text = scratch ??= new StringBuilder();
        text.Clear();
        var count = 0;
        foreach (var rule in rules)
        {
            rule.AppendSpec(text);
            text.Append('\n');
            count++;
        }

        if (count == 0)
        {
            return Empty;
        }

        // An encoder, not Encoding.UTF8 per chunk: a surrogate pair may straddle two chunks.
        var encoder = Encoding.UTF8.GetEncoder();
        var size = 0;
        foreach (var chunk in text.GetChunks())
        {
            size += encoder.GetByteCount(chunk.Span, flush: false);
        }

        size += encoder.GetByteCount([], flush: true);
        encoder.Reset();
        var bytes = new byte[size];
        var at = 0;
        foreach (var chunk in text.GetChunks())
        {
            at += encoder.GetBytes(chunk.Span, bytes.AsSpan(at), flush: false);
        }

        encoder.GetBytes([], bytes.AsSpan(at), flush: true);

        if (text.Capacity > 1 << 20)
        {
            scratch = null; // one huge chain must not pin its buffer for good
        }

        return new RuleText(bytes, count);
    }

    /// <summary>From specs in iptables-save form, which never hold a newline.</summary>
    public static RuleText Of(IEnumerable<string> specs)
    {
        var list = specs as IReadOnlyCollection<string> ?? [.. specs];
        if (list.Count == 0)
        {
            return Empty;
        }

        var size = 0;
        foreach (var spec in list)
        {
            size += Encoding.UTF8.GetByteCount(spec) + 1;
        }

        var bytes = new byte[size];
        var at = 0;
        foreach (var spec in list)
        {
            at += Encoding.UTF8.GetBytes(spec, bytes.AsSpan(at));
            bytes[at++] = (byte)'\n';
        }

        return new RuleText(bytes, list.Count);
    }

    /// <summary>For a collection expression of specs.</summary>
    public static RuleText Create(ReadOnlySpan<string> specs) => Of(specs.ToArray());

    /// <summary>Each rule's line without its newline, as slices of the one array.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Lines()
    {
        for (var start = 0; start < bytes.Length;)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            yield return bytes.AsMemory(start, end - start);
            start = end + 1;
        }
    }

    /// <summary>The rules' specs as strings: for the few chains a diff edits, the trace and tests.</summary>
    public IEnumerator<string> GetEnumerator() => Lines().Select(l => Encoding.UTF8.GetString(l.Span)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(RuleText? other) =>
        other is not null && (ReferenceEquals(this, other) || (Count == other.Count && bytes.AsSpan().SequenceEqual(other.bytes)));

    public override bool Equals(object? obj) => Equals(obj as RuleText);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }

    public override string ToString() => Encoding.UTF8.GetString(bytes);
}
