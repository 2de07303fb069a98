using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Apply;
using NodeProxy.Net;

namespace NodeProxy.Bench;

/// <summary>Connect times to one service IP over <see cref="Connections"/> timed connects (warm-up not counted).</summary>
internal sealed record ConnectTimes(TimeSpan Median, TimeSpan P99, int Connections);

/// <summary>
/// What a rule layout costs on the data path. The nat table sees only the first packet of a
/// connection (conntrack replays its verdict for the rest), so the rule count shows in connect():
/// the SYN walks nat OUTPUT until its DNAT. Over loopback in a fresh namespace a connect takes tens
/// of microseconds, small enough that thousands of rules walked stand out.
/// </summary>
internal static partial class FirstPacketBench
{
    /// <summary>Kept out of the figures: the first connects pay for JIT, the conntrack hash and the accept loop starting.</summary>
    private const int WarmUp = 200;

    /// <summary>
    /// Each connect binds a source port of its own, counting up from here: a reused 5-tuple could
    /// meet its old conntrack entry and skip the nat walk being measured, and the kernel's own
    /// choice does reuse ports (measured: after about 7,000 connects, as its random steps wrap the range).
    /// </summary>
    private const int FirstSourcePort = 1024;

    /// <summary>What the ports from <see cref="FirstSourcePort"/> up hold, less a few the listeners take.</summary>
    private const int MaxConnects = 64_000;

    /// <summary>A SYN the rules drop would otherwise hold connect() for the kernel's whole SYN retry budget (about two minutes).</summary>
    private const int ConnectTimeoutMs = 2_000;

    /// <summary>How long the listener may lag behind the client before a missing connection counts as lost.</summary>
    private static readonly TimeSpan AcceptGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Traffic from the node itself to a cluster IP is marked for masquerade, and MASQUERADE drops a
    /// packet when no interface has a global address to take as source; the namespace gets this one
    /// (TEST-NET-1, so it names nothing real).
    /// </summary>
    private const string MasqueradeSource = "192.0.2.1/32";

    /// <summary>
    /// Loads <paramref name="restoreText"/> into a fresh namespace, makes every DNAT destination in it
    /// local and listened on, and times <paramref name="connections"/> connects to <paramref name="target"/>
    /// from inside. Fails unless every connect was DNATed to one of those destinations. The namespace
    /// is deleted on every way out.
    /// </summary>
    public static async Task<ConnectTimes> MeasureAsync(IptablesBackend backend, string restoreText, IPEndPoint target, int connections, CancellationToken cancel)
    {
        if (target.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new NotSupportedException($"{target}: IPv4 only, like the synthetic clusters it measures");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(connections, MaxConnects - WarmUp);
        var destinations = DnatDestinations(restoreText, target.Port);
        if (destinations.Count == 0)
        {
            throw new ArgumentException("the restore text has no DNAT --to-destination, so no connect could be checked", nameof(restoreText));
        }

        await using var ns = await BenchNamespace.CreateAsync();
        await PrepareAsync(ns, destinations, target, cancel);
        await new IptablesTool(IpFamily.V4, backend, ns.Prefix).RestoreAsync(restoreText, cancel);

        var total = WarmUp + connections;
        var served = new Served(destinations, total);
        var listeners = await InNamespaceAsync(ns.Name, () => destinations.Select(d => d.Port).Distinct().Select(Listen).ToList());
        using var stopAccepting = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var accepting = listeners.Select(l => served.AcceptAllAsync(l, stopAccepting.Token)).ToList();
        try
        {
            var sourcePorts = Enumerable.Range(FirstSourcePort, IPEndPoint.MaxPort + 1 - FirstSourcePort).Except(destinations.Select(d => d.Port)).Take(total).ToList();
            if (sourcePorts.Count < total)
            {
                throw new ArgumentOutOfRangeException(nameof(connections), $"{connections} connects need more source ports than the listeners leave free");
            }

            var times = await InNamespaceAsync(ns.Name, () => ConnectAll(target, sourcePorts, cancel));
            await served.AllAsync(AcceptGrace, cancel);
            var counted = times.Skip(WarmUp).Order().ToList();
            return new ConnectTimes(counted[counted.Count / 2], counted[(int)Math.Ceiling(counted.Count * 0.99) - 1], counted.Count);
        }
        finally
        {
            await stopAccepting.CancelAsync();
            await Task.WhenAll(accepting);
            listeners.ForEach(l => l.Dispose());
        }
    }

    /// <summary>Where the rules send connections; a DNAT without a port keeps the original one.</summary>
    private static HashSet<IPEndPoint> DnatDestinations(string restoreText, int targetPort) =>
        [.. DnatTarget().Matches(restoreText).Select(m => IPEndPoint.TryParse(m.Groups[1].Value, out var to)
            ? to.Port == 0 ? new IPEndPoint(to.Address, targetPort) : to
            : throw new NotSupportedException($"--to-destination {m.Groups[1].Value}: only one address (and port) is supported"))];

    [GeneratedRegex(@"--to-destination\s+(\S+)")]
    private static partial Regex DnatTarget();

    /// <summary>
    /// Local routes rather than addresses: one route per /16 covers 100k endpoints, and no broadcast
    /// address is made. The target is local too, so a SYN the rules fail to DNAT is refused at once
    /// instead of timing out; and the SYN's source is the service IP itself (a local route's own
    /// address), not a pod's, so it is masqueraded as a host process's would be.
    /// </summary>
    private static async Task PrepareAsync(BenchNamespace ns, IEnumerable<IPEndPoint> destinations, IPEndPoint target, CancellationToken cancel)
    {
        var prefixes = destinations.Select(d => d.Address.GetAddressBytes()).Select(b => $"{b[0]}.{b[1]}.0.0/16").Distinct();
        string[] batch =
        [
            "link set lo up",
            $"address add {MasqueradeSource} dev lo",
            $"route replace local {target.Address}/32 dev lo",
            .. prefixes.Select(p => $"route replace local {p} dev lo"),
        ];
        await Cli.Wrap("ip").WithArguments(["-n", ns.Name, "-batch", "-"])
            .WithStandardInputPipe(PipeSource.FromString(string.Join('\n', batch) + "\n"))
            .ExecuteBufferedAsync(cancel);
    }

    private static Socket Listen(int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Any, port));
        listener.Listen(4096);
        return listener;
    }

    /// <summary>
    /// Synchronous on purpose: a blocking connect() over loopback finishes the handshake inside the
    /// call, while an async one adds an epoll round trip to every sample. The bind stays outside the
    /// clock, and with it the kernel's search for a free port.
    /// </summary>
    private static List<TimeSpan> ConnectAll(IPEndPoint target, IReadOnlyList<int> sourcePorts, CancellationToken cancel)
    {
        var times = new List<TimeSpan>(sourcePorts.Count);
        foreach (var port in sourcePorts)
        {
            cancel.ThrowIfCancellationRequested();
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            {
                // Abortive close: no TIME_WAIT holding the port or the listener's side.
                LingerState = new LingerOption(true, 0),
                // SO_SNDTIMEO also bounds a blocking connect().
                SendTimeout = ConnectTimeoutMs,
            };
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            var start = Stopwatch.GetTimestamp();
            try
            {
                socket.Connect(target);
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"connect {times.Count + 1} to {target} failed ({e.SocketErrorCode}): the rules did not DNAT it to a listened endpoint", e);
            }

            times.Add(Stopwatch.GetElapsedTime(start));
        }

        return times;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own that has joined the namespace: a socket
    /// belongs to the namespace of the thread that made it, and no pool thread may change namespace.
    /// </summary>
    private static Task<T> InNamespaceAsync<T>(string netns, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using (var handle = File.OpenHandle($"/run/netns/{netns}"))
                {
                    if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    {
                        throw new InvalidOperationException($"setns into {netns} failed: errno {Marshal.GetLastPInvokeError()}");
                    }
                }

                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {netns}",
        };
        thread.Start();
        return done.Task;
    }

    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);

    /// <summary>
    /// The server side's proof of DNAT: an accepted connection's local address is where the SYN was
    /// finally delivered, which must be one of the rules' DNAT destinations and not the service IP.
    /// </summary>
    private sealed class Served(HashSet<IPEndPoint> destinations, int expected)
    {
        private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int count;
        private IPEndPoint? stray;

        public async Task AcceptAllAsync(Socket listener, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                Socket accepted;
                try
                {
                    accepted = await listener.AcceptAsync(stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                using (accepted)
                {
                    var local = (IPEndPoint)accepted.LocalEndPoint!;
                    if (!destinations.Contains(local))
                    {
                        Interlocked.CompareExchange(ref stray, local, null);
                    }

                    if (Interlocked.Increment(ref count) == expected)
                    {
                        all.TrySetResult();
                    }
                }
            }
        }

        public async Task AllAsync(TimeSpan grace, CancellationToken cancel)
        {
            try
            {
                await all.Task.WaitAsync(grace, cancel);
            }
            catch (TimeoutException)
            {
                throw new InvalidOperationException($"only {Volatile.Read(ref count)} of {expected} connections reached a listener");
            }

            if (Volatile.Read(ref stray) is { } wrong)
            {
                throw new InvalidOperationException($"a connection arrived at {wrong}, not at a DNAT destination of the rules");
            }
        }
    }
}
