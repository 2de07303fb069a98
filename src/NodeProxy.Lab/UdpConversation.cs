using System.Net;
using System.Net.Sockets;

namespace NodeProxy.Lab;

/// <summary>
/// A connected UDP socket on a fixed local port, so consecutive datagrams are one conntrack
/// flow the way a DNS client's are.
/// </summary>
public sealed class UdpConversation : IDisposable
{
    private readonly Socket _socket;
    private readonly Action<UdpConversation> _closed;
    private readonly byte[] _buffer = new byte[2048];

    private UdpConversation(Socket socket, Action<UdpConversation> closed)
    {
        _socket = socket;
        _closed = closed;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    internal static UdpConversation Open(string netns, IPEndPoint target, int? sourcePort, Action<UdpConversation> closed)
    {
        var socket = NamespaceSockets.Create(netns, () => new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp));
        try
        {
            var any = target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            socket.Bind(new IPEndPoint(any, sourcePort ?? 0));
            socket.Connect(target);
            return new UdpConversation(socket, closed);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>One datagram out, one back; Refused when an ICMP port unreachable came back.</summary>
    public async Task<Reply> AskAsync(TimeSpan timeout)
    {
        Drain();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _socket.SendAsync("HELLO"u8.ToArray(), SocketFlags.None, deadline.Token);
            var read = await _socket.ReceiveAsync(_buffer, SocketFlags.None, deadline.Token);
            return Reply.FromBody(System.Text.Encoding.UTF8.GetString(_buffer, 0, read));
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

    public void Dispose()
    {
        _socket.Dispose();
        _closed(this);
    }

    // A late answer to an earlier, timed-out ask must not pass for the answer to this one.
    private void Drain()
    {
        try
        {
            while (_socket.Available > 0)
            {
                _socket.Receive(_buffer);
            }
        }
        catch (SocketException)
        {
            // A pending ICMP error: it belongs to the earlier ask too.
        }
    }
}
