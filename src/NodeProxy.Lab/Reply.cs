using System.Net.Sockets;

namespace NodeProxy.Lab;

public enum ReplyOutcome
{
    Answered,
    Refused,
    TimedOut,
    Reset,

    /// <summary>Any other socket error: no route, host unreachable, ...</summary>
    Unreachable,
}

/// <summary>
/// One answer of a pod server: which pod answered and the peer address it saw. Detail says
/// what went wrong when nothing answered, for assertion messages.
/// </summary>
public sealed record Reply(ReplyOutcome Outcome, string? Pod = null, string? Peer = null, string? Detail = null)
{
    internal static Reply FromBody(string body)
    {
        var parts = body.Trim().Split(' ', 2);
        return new Reply(ReplyOutcome.Answered, parts[0], parts.Length > 1 ? parts[1] : null);
    }

    internal static Reply From(SocketException e) => new(
        e.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => ReplyOutcome.Refused,
            SocketError.ConnectionReset or SocketError.ConnectionAborted => ReplyOutcome.Reset,
            SocketError.TimedOut => ReplyOutcome.TimedOut,
            _ => ReplyOutcome.Unreachable,
        },
        Detail: $"{e.SocketErrorCode}: {e.Message}");

    internal static Reply TimedOut(TimeSpan after) => new(ReplyOutcome.TimedOut, Detail: $"no answer within {after.TotalMilliseconds:0} ms");
}
