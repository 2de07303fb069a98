using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace NodeProxy.Http;

/// <summary>
/// One listener as Kestrel sees it: any number of listening sockets (the health port, or every
/// health check node port), opened and closed while the server runs, under one connection
/// budget. Each socket has its own accept loop, which backs off when accept() fails for want of
/// descriptors instead of spinning.
/// </summary>
internal sealed class SocketGroup(string name, ConnectionBudget budget, RequestHandler handler, SocketConnectionContextFactory connections, FloodAftermath aftermath, ILogger log, TimeProvider time)
    : IConnectionListener
{
    private readonly Channel<ConnectionContext> accepted = Channel.CreateBounded<ConnectionContext>(16);
    private readonly Lock gate = new();
    private readonly Dictionary<IPEndPoint, (Socket Socket, Task Loop)> sockets = [];
    private readonly CancellationTokenSource stop = new();

    public string Name => name;

    public EndPoint EndPoint { get; } = new GroupEndPoint(name);

    public IReadOnlyCollection<IPEndPoint> Bound
    {
        get
        {
            lock (gate)
            {
                return [.. sockets.Keys];
            }
        }
    }

    /// <summary>Opens the address; a SocketException (address in use, not local) says why it cannot.</summary>
    /// <returns>The socket's accept loop, which ends only when the address is unbound or the group disposed.</returns>
    public Task Bind(IPEndPoint address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            // A restarted agent binds again while the old connections are in TIME_WAIT.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(address);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var loop = Task.Run(() => AcceptLoopAsync(socket));
        lock (gate)
        {
            sockets[address] = (socket, loop);
        }

        return loop;
    }

    /// <summary>Stops listening there; connections already accepted run on to their end.</summary>
    public void Unbind(IPEndPoint address)
    {
        lock (gate)
        {
            if (sockets.Remove(address, out var entry))
            {
                entry.Socket.Dispose();
            }
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await accepted.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        Close();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private void Close()
    {
        stop.Cancel();
        lock (gate)
        {
            foreach (var (socket, _) in sockets.Values)
            {
                socket.Dispose();
            }

            sockets.Clear();
        }

        accepted.Writer.TryComplete();
    }

    private async Task AcceptLoopAsync(Socket listening)
    {
        var backoff = new AcceptBackoff();
        var failing = false;
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listening.AcceptAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (AcceptBackoff.IsStop(e.SocketErrorCode))
            {
                return;
            }
            catch (SocketException e)
            {
                ListenerMetrics.AcceptErrors.WithLabels(name, e.SocketErrorCode.ToString()).Inc();
                var wait = backoff.Failed(e.SocketErrorCode);
                if (wait > TimeSpan.Zero)
                {
                    if (!failing)
                    {
                        failing = true;
                        log.LogWarning("{Listener} listener cannot accept connections ({Error}); retrying with backoff up to {Longest} s", name, e.Message, AcceptBackoff.Longest.TotalSeconds);
                    }

                    try
                    {
                        await Task.Delay(wait, time, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                continue;
            }

            backoff.Succeeded();
            if (failing)
            {
                failing = false;
                log.LogInformation("{Listener} listener accepts connections again", name);
            }

            await HandOverAsync(socket);
        }
    }

    private async Task HandOverAsync(Socket socket)
    {
        aftermath.Arrived();
        socket.NoDelay = true;
        var connection = new TrackedConnection(connections.Create(socket), budget, handler);
        if (budget.Admit(connection) is { } evicted)
        {
            ListenerMetrics.Evicted.WithLabels(name).Inc();
            evicted.Evict();
        }

        try
        {
            await accepted.Writer.WriteAsync(connection, stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            await connection.DisposeAsync();
        }
    }
}

/// <summary>Names a SocketGroup where Kestrel wants an endpoint to bind.</summary>
internal sealed class GroupEndPoint(string name) : EndPoint
{
    public string Name => name;

    public override string ToString() => name;
}
