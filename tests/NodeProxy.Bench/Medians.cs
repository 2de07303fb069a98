namespace NodeProxy.Bench;

internal static class Medians
{
    /// <summary>The middle value (the upper middle for an even count), not an average of noisy times.</summary>
    public static T Of<T>(IEnumerable<T> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
