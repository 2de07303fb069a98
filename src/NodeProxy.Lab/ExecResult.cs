namespace NodeProxy.Lab;

/// <summary>What a finished command left behind.</summary>
public sealed record ExecResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Both streams, stdout first, for messages and for callers that only grep.</summary>
    public string Output => StandardOutput + StandardError;
}
