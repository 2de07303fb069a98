namespace NodeProxy.Tests.FakeApi;

/// <summary>The equality-based label selector syntax: key, !key, key=value, key==value, key!=value, ANDed by commas.</summary>
public sealed record LabelSelector(IReadOnlyList<LabelSelector.Term> Terms)
{
    public enum Op { Exists, NotExists, Equals, NotEquals }

    public sealed record Term(string Key, Op Op, string Value);

    public static readonly LabelSelector Everything = new([]);

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Everything;
        return new([.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseTerm)]);
    }

    public bool Matches(IDictionary<string, string>? labels) => Terms.All(term =>
    {
        string? value = null;
        var has = labels is not null && labels.TryGetValue(term.Key, out value);
        return term.Op switch
        {
            Op.Exists => has,
            Op.NotExists => !has,
            Op.Equals => has && value == term.Value,
            // As in Kubernetes: a missing label is "not equal".
            _ => !has || value != term.Value,
        };
    });

    static Term ParseTerm(string text)
    {
        if (text.StartsWith('!'))
            return new(text[1..].Trim(), Op.NotExists, "");
        var (key, op, value) = SelectorText.Split(text);
        return op switch
        {
            null => new(text, Op.Exists, ""),
            "!=" => new(key, Op.NotEquals, value),
            _ => new(key, Op.Equals, value),
        };
    }
}
