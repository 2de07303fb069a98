using System.Net;
using System.Net.Sockets;

namespace NodeProxy.Lab;

/// <summary>
/// A machine of the lab (node, pod or client): its own network namespace, from which a test
/// sends traffic and runs commands. What it opens is closed when it is removed or the lab is disposed.
/// </summary>
public class LabHost
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    private readonly List<object> _open = [];
    private readonly Action<string>? _log;

    internal LabHost(string name, string netns, IPAddress ipv4, IPAddress? ipv6, Action<string>? log)
    {
        Name = name;
        Netns = netns;
        Ipv4 = ipv4;
        Ipv6 = ipv6;
        _log = log;
    }

    public string Name { get; }

    public string Netns { get; }

    public IPAddress Ipv4 { get; }

    public IPAddress? Ipv6 { get; }

    public override string ToString() => $"{Name} ({Netns})";

    /// <summary>A socket of this host's namespace, for traffic the helpers below do not cover.</summary>
    public Socket CreateSocket(AddressFamily family, SocketType type, ProtocolType protocol) =>
        NamespaceSockets.Create(Netns, () => new Socket(family, type, protocol));

    /// <summary>An HTTP GET as curl would send it; a refused connection comes back as Refused at once.</summary>
    public Task<Reply> TcpRequestAsync(IPEndPoint target, TimeSpan? timeout = null) =>
        TcpRequest.SendAsync(Netns, target, timeout ?? DefaultTimeout);

    public async Task<LineConnection> OpenLineAsync(IPEndPoint target, TimeSpan? timeout = null)
    {
        var connection = await LineConnection.OpenAsync(Netns, target, timeout ?? DefaultTimeout, Forget);
        Track(connection);
        return connection;
    }

    public UdpConversation OpenUdp(IPEndPoint target, int? sourcePort = null)
    {
        var conversation = UdpConversation.Open(Netns, target, sourcePort, Forget);
        Track(conversation);
        return conversation;
    }

    /// <summary>Runs a command in this host's namespace and returns its stdout; throws with stderr if it fails.</summary>
    public Task<string> ExecAsync(string program, params string[] args) => Shell.ExecInAsync(Netns, program, args);

    public Task<ExecResult> TryExecAsync(string program, params string[] args) => Shell.TryExecInAsync(Netns, program, args);

    /// <summary>Starts a long-running command here; it is killed when the host goes, if it is still running.</summary>
    internal AgentProcess StartProcess(string program, IEnumerable<string> args)
    {
        var process = AgentProcess.Start(Netns, Name, program, args, _log);
        Track(process);
        return process;
    }

    /// <summary>Kills what still runs and closes what is still open here, before the namespace goes.</summary>
    internal virtual async Task CloseAsync()
    {
        object[] open;
        lock (_open)
        {
            open = [.. _open];
            _open.Clear();
        }

        foreach (var item in open)
        {
            switch (item)
            {
                case IAsyncDisposable a:
                    await a.DisposeAsync();
                    break;
                case IDisposable d:
                    d.Dispose();
                    break;
            }
        }
    }

    private void Track(object item)
    {
        lock (_open)
        {
            _open.Add(item);
        }
    }

    private void Forget(object item)
    {
        lock (_open)
        {
            _open.Remove(item);
        }
    }
}
