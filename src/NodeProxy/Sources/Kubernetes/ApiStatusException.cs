using System.Net;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>The API server answered a list or watch with an error status (or a watch sent an ERROR event).</summary>
public sealed class ApiStatusException(int code, string? reason, string message, TimeSpan? retryAfter = null)
    : Exception($"HTTP {code} {reason}: {message}")
{
    public int Code => code;

    public string? Reason => reason;

    /// <summary>How long the server asked us to wait (429, 503), when it said.</summary>
    public TimeSpan? RetryAfter => retryAfter;

    public bool Gone => code == (int)HttpStatusCode.Gone;
}
