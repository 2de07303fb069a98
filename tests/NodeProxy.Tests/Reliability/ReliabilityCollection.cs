using Xunit;

namespace NodeProxy.Tests.Reliability;

/// <summary>The reliability scenarios run one at a time, so one scenario's load does not skew another's figures.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection
{
    public const string Name = "Reliability";
}
