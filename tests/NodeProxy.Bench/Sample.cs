namespace NodeProxy.Bench;

/// <summary>One scenario at one size: what it wrote (null when it writes nothing by nature) and every wall time measured.</summary>
internal sealed record Sample(string Scenario, long? Bytes, int? Lines, IReadOnlyList<TimeSpan> Times)
{
    public TimeSpan Median => Times.Order().ElementAt(Times.Count / 2);

    public TimeSpan Max => Times.Max();
}

/// <summary>All scenarios for one backend at one service count.</summary>
internal sealed record BenchRun(string Backend, int Services, IReadOnlyList<Sample> Samples);
