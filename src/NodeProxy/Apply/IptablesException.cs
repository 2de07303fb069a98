using NodeProxy.Sync;

namespace NodeProxy.Apply;

/// <summary>An iptables command failed; <see cref="Batch"/> is the input it refused, for the log.</summary>
public sealed class IptablesException(string message, string batch) : RuleTablesException(message)
{
    public string Batch { get; } = batch;

    /// <summary>The command did not finish within its deadline and was killed.</summary>
    public bool TimedOut { get; init; }
}
