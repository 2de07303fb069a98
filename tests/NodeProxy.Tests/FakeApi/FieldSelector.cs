using k8s;
using k8s.Models;

namespace NodeProxy.Tests.FakeApi;

/// <summary>field=value, field==value and field!=value terms ANDed by commas.</summary>
public sealed record FieldSelector(IReadOnlyList<FieldSelector.Term> Terms)
{
    public sealed record Term(string Field, bool Equal, string Value);

    public static readonly FieldSelector Everything = new([]);

    /// <exception cref="FormatException">A term without an operator.</exception>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Everything;
        return new([.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(term =>
        {
            var (field, op, value) = SelectorText.Split(term);
            return op is null ? throw new FormatException($"invalid field selector term \"{term}\"") : new Term(field, op != "!=", value);
        })]);
    }

    /// <summary>The first field this kind has no such field for; the apiserver answers 400 for it.</summary>
    public string? UnsupportedField(ResourceType type, IKubernetesObject<V1ObjectMeta> sample) =>
        Terms.FirstOrDefault(t => type.FieldValue(sample, t.Field) is null)?.Field;

    public bool Matches(ResourceType type, IKubernetesObject<V1ObjectMeta> obj) =>
        Terms.All(t => (type.FieldValue(obj, t.Field) == t.Value) == t.Equal);
}
