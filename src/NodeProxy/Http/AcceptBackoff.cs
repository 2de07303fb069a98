using System.Net.Sockets;

namespace NodeProxy.Http;

/// <summary>
/// What an accept loop does after accept() failed. A connection that went away in the backlog is
/// skipped at once; anything else (EMFILE when descriptors run out, ENOBUFS, ENOMEM) leaves the
/// connection in the backlog, so trying again at once would fail again at once: a spinning core.
/// Those wait 10 ms, doubling up to 1 s, until an accept succeeds.
/// </summary>
internal sealed class AcceptBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(1);

    private TimeSpan next = First;

    public static bool IsStop(SocketError error) => error is SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown;

    /// <returns>How long to wait before the next accept; zero for a connection lost in the backlog.</returns>
    public TimeSpan Failed(SocketError error)
    {
        if (error is SocketError.ConnectionAborted or SocketError.ConnectionReset)
        {
            return TimeSpan.Zero;
        }

        var wait = next;
        next = next * 2 < Longest ? next * 2 : Longest;
        return wait;
    }

    public void Succeeded() => next = First;
}
