using System.Net;
using System.Net.Sockets;

namespace NodeProxy.Lab;

/// <summary>
/// A long-lived TCP connection to a pod server: each Ask is one line out and one line back
/// over the same connection, so a test sees what happens to established flows when rules change.
/// </summary>
public sealed class LineConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SocketLineReader _reader;
    private readonly Action<LineConnection> _closed;

    private LineConnection(Socket socket, Action<LineConnection> closed)
    {
        _socket = socket;
        _reader = new SocketLineReader(socket);
        _closed = closed;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Connects or throws: a SocketException saying why, or a TimeoutException.</summary>
    internal static async Task<LineConnection> OpenAsync(string netns, IPEndPoint target, TimeSpan timeout, Action<LineConnection> closed)
    {
        var socket = NamespaceSockets.Create(netns, () => new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(target, deadline.Token);
            return new LineConnection(socket, closed);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connecting to {target} took longer than {timeout.TotalMilliseconds:0} ms");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends HELLO and reads one answer line; a connection the server closed counts as Reset.</summary>
    public async Task<Reply> AskAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _socket.SendAsync("HELLO\n"u8.ToArray(), SocketFlags.None, deadline.Token);
            var line = await _reader.ReadLineAsync(deadline.Token);
            return line is null
                ? new Reply(ReplyOutcome.Reset, Detail: "the server closed the connection")
                : Reply.FromBody(line);
        }
        catch (SocketException e)
        {
            return Reply.From(e);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Reply.TimedOut(timeout);
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _closed(this);
        return ValueTask.CompletedTask;
    }
}
