using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NodeProxy.Lab;

/// <summary>
/// The pod's workload: on each port a TCP and a UDP server that answer "{pod} {peer}", so a
/// test sees which endpoint a Service picked and whether the source address was rewritten.
/// TCP speaks just enough HTTP for curl, and otherwise answers every line until the client
/// closes (long-lived connections).
/// </summary>
internal sealed class PodServer : IAsyncDisposable
{
    private readonly string _pod;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly HashSet<Socket> _connections = [];

    private PodServer(string pod) => _pod = pod;

    public static PodServer Start(string netns, string pod, IEnumerable<int> ports)
    {
        var server = new PodServer(pod);
        try
        {
            foreach (var port in ports)
            {
                var tcp = server.Open(netns, SocketType.Stream, ProtocolType.Tcp, port);
                tcp.Listen(64);
                server._loops.Add(Task.Run(() => server.AcceptLoopAsync(tcp)));
                var udp = server.Open(netns, SocketType.Dgram, ProtocolType.Udp, port);
                server._loops.Add(Task.Run(() => server.DatagramLoopAsync(udp)));
            }
        }
        catch
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        lock (_connections)
        {
            _sockets.AddRange(_connections);
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_loops).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private Socket Open(string netns, SocketType type, ProtocolType protocol, int port)
    {
        var socket = NamespaceSockets.Create(netns, () =>
        {
            var s = new Socket(AddressFamily.InterNetworkV6, type, protocol) { DualMode = true };
            try
            {
                s.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
                return s;
            }
            catch
            {
                s.Dispose();
                throw;
            }
        });
        _sockets.Add(socket);
        return socket;
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(connection);
            }

            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        try
        {
            var answer = Encoding.UTF8.GetBytes($"{_pod} {Unmapped(connection.RemoteEndPoint)}\n");
            var reader = new SocketLineReader(connection);
            var line = await reader.ReadLineAsync(_stop.Token);
            if (line is null)
            {
                return;
            }

            if (line.StartsWith("GET ", StringComparison.Ordinal))
            {
                while (await reader.ReadLineAsync(_stop.Token) is { Length: > 0 })
                {
                }

                var head = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {answer.Length}\r\nConnection: close\r\n\r\n";
                await connection.SendAsync(Encoding.ASCII.GetBytes(head).Concat(answer).ToArray(), SocketFlags.None, _stop.Token);
                connection.Shutdown(SocketShutdown.Send);
                return;
            }

            do
            {
                await connection.SendAsync(answer, SocketFlags.None, _stop.Token);
            }
            while (await reader.ReadLineAsync(_stop.Token) is not null);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client went away or the pod is being removed: either way the conversation is over.
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(connection);
            }

            connection.Dispose();
        }
    }

    private async Task DatagramLoopAsync(Socket udp)
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var received = await udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.IPv6Any, 0), _stop.Token);
                var answer = Encoding.UTF8.GetBytes($"{_pod} {Unmapped(received.RemoteEndPoint)}");
                await udp.SendToAsync(answer, SocketFlags.None, received.RemoteEndPoint, _stop.Token);
            }
            catch (SocketException)
            {
                // An ICMP error about an earlier answer surfaces here on Linux; the server carries on.
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private static string Unmapped(EndPoint? endPoint)
    {
        var address = ((IPEndPoint)endPoint!).Address;
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }
}
