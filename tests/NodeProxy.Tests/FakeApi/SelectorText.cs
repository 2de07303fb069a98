namespace NodeProxy.Tests.FakeApi;

/// <summary>Splits one selector term at its operator; label and field selectors share this grammar.</summary>
static class SelectorText
{
    public static (string Key, string? Op, string Value) Split(string term)
    {
        foreach (var op in new[] { "!=", "==", "=" })
        {
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
                return (term[..at].Trim(), op, term[(at + op.Length)..].Trim());
        }
        return (term.Trim(), null, "");
    }
}
