using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NodeProxy.Lab;

/// <summary>
/// `nodeproxy-lab idle-clients HOST:PORT COUNT`: opens COUNT TCP connections and holds them,
/// sending nothing, until its standard input closes. A test runs it inside a namespace to put
/// more idle sockets on a listener than its own open-files limit would let it hold.
/// </summary>
public static class IdleClients
{
    public static async Task<int> RunAsync(string target, int count)
    {
        var colon = target.LastIndexOf(':');
        var server = new IPEndPoint(IPAddress.Parse(target[..colon]), int.Parse(target[(colon + 1)..], CultureInfo.InvariantCulture));
        var sockets = new List<Socket>(count);
        var failed = 0;
        var clock = Stopwatch.StartNew();
        // Each loopback source address has its own ephemeral ports; a run of its own does not meet
        // the TIME_WAIT ports an earlier run left.
        var sources = $"127.{Random.Shared.Next(2, 255)}.{Random.Shared.Next(0, 256)}";
        using var gate = new SemaphoreSlim(256);
        var connects = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            Socket socket;
            try
            {
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse($"{sources}.{1 + (i % 8)}"), 0));
            }
            catch (SocketException e)
            {
                Console.Error.WriteLine($"socket {i}: {e.Message}");
                failed += count - i;
                break;
            }

            sockets.Add(socket);
            await gate.WaitAsync();
            connects.Add(ConnectAsync(socket, server, gate, () => Interlocked.Increment(ref failed)));
        }

        await Task.WhenAll(connects);
        Console.Out.WriteLine($"connected {count - failed} of {count} in {clock.Elapsed.TotalSeconds:0.0} s");
        await Console.In.ReadToEndAsync();
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        return 0;
    }

    private static async Task ConnectAsync(Socket socket, IPEndPoint server, SemaphoreSlim gate, Action failed)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(server, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            failed();
        }
        finally
        {
            gate.Release();
        }
    }
}
