namespace NodeProxy.Bench;

/// <summary>One scenario at one size: what it wrote (null when it writes nothing by nature) and every wall time measured.</summary>
internal sealed record Sample(string Scenario, long? Bytes, int? Lines, IReadOnlyList<TimeSpan> Times)
{
    public TimeSpan Median => Medians.Of(Times);

    public TimeSpan Max => Times.Max();

    /// <summary>What <see cref="Bytes"/> counts: the batch written, or what the process allocated.</summary>
    public string BytesMeaning { get; init; } = "written";

    /// <summary>Stopped before it finished: <see cref="Times"/> is a lower bound.</summary>
    public bool Unfinished { get; init; }
}

/// <summary>All scenarios of one layout on one backend at one service count.</summary>
internal sealed record BenchRun(string Layout, string Backend, int Services, IReadOnlyList<Sample> Samples)
{
    public Sample? Find(string scenario) => Samples.FirstOrDefault(s => s.Scenario == scenario);
}

/// <summary>The scenarios both layouts are measured on, so their rows line up.</summary>
internal static class Scenarios
{
    public const string Cold = "cold load into empty tables";
    public const string EndpointChange = "one endpoint changed";
    public const string ColdInProcess = "cold: render + diff in process";
    public const string EndpointChangeInProcess = "one endpoint changed: render + diff in process";
}

internal static class Layouts
{
    public const string NodeProxy = "NodeProxy";
    public const string KubeProxy = "kube-proxy-shaped";
}
