using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Http;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Operate;

/// <summary>
/// The agent's HTTP listeners (health, metrics, a health check node port) under the abuse an
/// operator's worst day brings: 20,000 idle sockets, half-open requests, request floods, accept()
/// failing for want of descriptors. The agent must stay up, /healthz must answer (or be back
/// within seconds), and its memory must come back near where it was. Every figure is printed.
/// </summary>
[Collection(Alone)]
public sealed class ListenerAbuseTests(ListenerAbuseTests.Agent fixture, ITestOutputHelper output) : IClassFixture<ListenerAbuseTests.Agent>
{
    /// <summary>A flood takes the machine's CPU: it runs after the other tests, whose latencies it would spoil.</summary>
    public const string Alone = "listener floods, alone";

    private static readonly ListenerLimits Limits = new();

    private AbusedAgent agent => fixture.Running;

    public static TheoryData<string, int, string, int> IdleFloods => new()
    {
        { "health", AbusedAgent.HealthPort, "/healthz", 20_000 },
        { "healthcheck-nodeports", AbusedAgent.CheckPort, "/", 10_000 },
        { "metrics", AbusedAgent.MetricsPort, "/metrics", 5_000 },
    };

    [Theory]
    [MemberData(nameof(IdleFloods))]
    public async Task IdleSocketsByTheThousandNeitherStopTheAgentNorSilenceHealthz(string listener, int port, string path, int count)
    {
        var filesBefore = agent.OpenFiles();
        var rssBefore = agent.RssMiB();
        var clock = Stopwatch.StartNew();
        // Two holders: 20,000 is this machine's hard limit of open files per process.
        var holding = new[] { agent.HoldIdleAsync(port, count / 2), agent.HoldIdleAsync(port, count / 2) };
        var holders = new List<IdleHolder>();
        try
        {
            await Task.WhenAll(holding).ContinueWith(_ => { }, TaskScheduler.Default);
            holders.AddRange(holding.Where(h => h.IsCompletedSuccessfully).Select(h => h.Result));
            Assert.All(holding, h => Assert.True(h.IsCompletedSuccessfully, h.Exception?.InnerException?.Message));

            var connected = clock.Elapsed;
            var files = agent.OpenFiles();
            var healthz = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                healthz.Add(FirstLine(await agent.GetAsync(AbusedAgent.HealthPort, "/healthz")));
            }

            var own = FirstLine(await agent.GetAsync(port, path));
            output.WriteLine($"{listener}: {count} idle sockets held ({string.Join("; ", holders.Select(h => h.Report))}) after {connected.TotalSeconds:0.0} s; "
                + $"agent descriptors {filesBefore} -> {files}, RSS {rssBefore} -> {agent.RssMiB()} MiB; /healthz meanwhile: {string.Join(", ", healthz)}; {path}: {own}");

            Assert.True(agent.Running, "the agent exited");
            // That the flood happened: most of the sockets were opened. A connection evicted within a
            // millisecond of its handshake can reach its client as a reset, and on a loaded machine
            // (the metrics listener's cap is 64, so nearly every one is evicted) 9-13% did.
            Assert.InRange(holders.Sum(h => int.Parse(h.Report.Split(' ')[1], CultureInfo.InvariantCulture)), count * 3 / 4, count);
            Assert.All(healthz, h => Assert.Equal("HTTP/1.1 200 OK", h));
            Assert.Equal("HTTP/1.1 200 OK", own);
            // Idle sockets beyond the cap were closed by the agent as newer ones came, so the agent
            // holds no more than its cap (and a few being closed) whatever the clients keep open.
            Assert.InRange(files, 0, filesBefore + Cap(listener) + 64);
        }
        finally
        {
            foreach (var holder in holders)
            {
                await holder.DisposeAsync();
            }
        }

        var recovered = await UntilHealthyAsync(TimeSpan.FromSeconds(5));
        var settled = Stopwatch.StartNew();
        while (agent.RssMiB() > rssBefore + 25 && settled.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(250);
        }

        output.WriteLine($"sockets closed: /healthz 200 after {recovered.TotalSeconds:0.0} s; agent descriptors {agent.OpenFiles()}, RSS {agent.RssMiB()} MiB after {settled.Elapsed.TotalSeconds:0.0} s");
        Assert.True(agent.Running, "the agent exited");
        Assert.InRange(agent.RssMiB(), 0, rssBefore + 25);
    }

    [Fact]
    public async Task HalfOpenAndIdleConnectionsAreClosedByTheAgentWithinItsTimeouts()
    {
        var listeners = new[] { ("health", AbusedAgent.HealthPort), ("healthcheck-nodeports", AbusedAgent.CheckPort), ("metrics", AbusedAgent.MetricsPort) };
        var clock = Stopwatch.StartNew();
        var waits = new List<Task<(string Listener, string Kind, TimeSpan[] Closed)>>();
        var all = new List<Socket>();
        try
        {
            foreach (var (listener, port) in listeners)
            {
                // Below the cap, so that only the timeouts can close them, not newer connections.
                var count = Math.Min(Cap(listener), 400) / 2 - 2;
                var halfOpen = agent.Sockets(count);
                var idle = agent.Sockets(count);
                all.AddRange(halfOpen.Concat(idle));
                Assert.Equal(0, await ConnectAllAsync(halfOpen.Concat(idle).ToList(), port));
                var connected = clock.Elapsed;
                var head = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: never-finishes\r\n");
                await Task.WhenAll(halfOpen.Select(s => s.SendAsync(head)));
                var sent = clock.Elapsed;
                waits.Add(ClosedAfterAsync(listener, "half-open", halfOpen, clock, sent));
                waits.Add(ClosedAfterAsync(listener, "idle", idle, clock, connected));
            }

            var results = await Task.WhenAll(waits);
            foreach (var (listener, kind, closed) in results)
            {
                output.WriteLine($"{listener}: {closed.Length} {kind} connections closed by the agent {closed.Min().TotalSeconds:0.0}-{closed.Max().TotalSeconds:0.0} s after they "
                    + $"{(kind == "idle" ? "connected" : "sent half a request head")} (header timeout {Limits.HeaderTimeout.TotalSeconds} s, idle timeout {Limits.KeepAlive.TotalSeconds} s)");
                var limit = kind == "half-open" ? Limits.HeaderTimeout : Limits.KeepAlive;
                // Kestrel checks its timeouts once a second, and starts the clock when it takes the
                // connection up, which a busy machine delays a little.
                Assert.InRange(closed.Max(), TimeSpan.Zero, limit + TimeSpan.FromSeconds(4));
                Assert.InRange(closed.Min(), limit - TimeSpan.FromSeconds(1), TimeSpan.MaxValue);
            }
        }
        finally
        {
            foreach (var socket in all)
            {
                socket.Dispose();
            }
        }

        Assert.True(agent.Running, "the agent exited");
    }

    [Fact]
    public async Task OversizedHeadsAndBodiesAreRefusedAndTheConnectionClosed()
    {
        var bigHeader = $"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {new string('a', Limits.MaxHeaderBytes)}\r\n\r\n";
        var manyHeaders = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + string.Concat(Enumerable.Range(0, Limits.MaxHeaderCount + 1).Select(i => $"X-{i}: a\r\n")) + "\r\n";
        var longLine = $"GET /healthz?{new string('a', Limits.MaxRequestLineBytes)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        foreach (var (port, path) in new[] { (AbusedAgent.HealthPort, "/healthz"), (AbusedAgent.CheckPort, "/"), (AbusedAgent.MetricsPort, "/metrics") })
        {
            var bigBody = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {Limits.MaxBodyBytes + 1}\r\n\r\n";
            Assert.StartsWith("HTTP/1.1 431", await SendAsync(port, bigHeader), StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 431", await SendAsync(port, manyHeaders), StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 414", await SendAsync(port, longLine), StringComparison.Ordinal);

            // The body is never read: the agent answers, then closes rather than take in the rest.
            var answer = await SendAsync(port, bigBody + new string('b', 1000));
            Assert.Matches(@"^HTTP/1\.1 (200|413)", answer);
        }

        Assert.True(agent.Running, "the agent exited");
    }

    [Fact]
    public async Task RequestFloodsOnEveryListenerLeaveHealthzAnsweringAndRssNearWhereItWas()
    {
        var targets = new[] { (AbusedAgent.HealthPort, "/healthz"), (AbusedAgent.CheckPort, "/"), (AbusedAgent.MetricsPort, "/metrics") };
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 16,
            ConnectCallback = async (context, cancel) =>
            {
                var socket = agent.Sockets(1)[0];
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        }) { Timeout = TimeSpan.FromSeconds(5) };

        // The first flood loads code and grows the heaps once; "where it was" is after it.
        await FloodAsync(client, targets, TimeSpan.FromSeconds(1.5));
        await Task.Delay(FloodAftermath.Period * 2.5);
        var rssBefore = agent.RssMiB();
        var rss = new List<long>();
        var answered = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            answered.Add(await FloodAsync(client, targets, TimeSpan.FromSeconds(1.5)));
            rss.Add(agent.RssMiB());
        }

        var settled = Stopwatch.StartNew();
        while (agent.RssMiB() > rssBefore + 25 && settled.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(250);
        }

        var rssAfter = agent.RssMiB();
        output.WriteLine($"five floods of 1.5 s, 16 clients per listener plus oversized heads: {string.Join("; ", answered)}");
        output.WriteLine($"agent RSS {rssBefore} MiB before, {string.Join(", ", rss)} MiB after each flood, {rssAfter} MiB {settled.Elapsed.TotalSeconds:0.0} s later");

        await UntilHealthyAsync(TimeSpan.FromSeconds(5));
        Assert.True(agent.Running, "the agent exited");
        // Nothing accumulates from one flood to the next: once they stop, the memory is given back.
        Assert.InRange(rssAfter, 0, rssBefore + 25);
    }

    [Fact]
    public async Task AcceptFailingForWantOfDescriptorsBacksOffInsteadOfSpinningAndRecovers()
    {
        var pid = agent.Pid.ToString(CultureInfo.InvariantCulture);
        var limits = (await Cli.Wrap("prlimit").WithArguments(["--pid", pid, "--nofile", "--output", "SOFT,HARD", "--noheadings", "--raw"]).ExecuteBufferedAsync())
            .StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sockets = agent.Sockets(200);
        try
        {
            // Lower the agent's soft limit to just above what it holds: the next accepts fail with EMFILE.
            var squeezed = agent.OpenFiles() + 4;
            await Cli.Wrap("prlimit").WithArguments(["--pid", pid, $"--nofile={squeezed}:{limits[1]}"]).ExecuteAsync();
            Assert.Equal(0, await ConnectAllAsync(sockets, AbusedAgent.HealthPort));
            await Task.Delay(500);
            var cpuBefore = agent.CpuTime();
            var clock = Stopwatch.StartNew();
            await Task.Delay(3000);
            var cpu = agent.CpuTime() - cpuBefore;
            var share = cpu / clock.Elapsed;
            output.WriteLine($"open-files limit squeezed to {squeezed} with 200 connections waiting: agent used {cpu.TotalMilliseconds:0} ms of CPU in {clock.Elapsed.TotalSeconds:0.0} s ({share:P0} of a core)");

            Assert.True(agent.Running, "the agent exited");
            Assert.InRange(share, 0, 0.1);
        }
        finally
        {
            await Cli.Wrap("prlimit").WithArguments(["--pid", pid, $"--nofile={limits[0]}:{limits[1]}"]).WithValidation(CommandResultValidation.None).ExecuteAsync();
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        var recovered = await UntilHealthyAsync(TimeSpan.FromSeconds(5));
        var metrics = await agent.GetAsync(AbusedAgent.MetricsPort, "/metrics");
        var errors = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("nodeproxy_listener_accept_errors_total{listener=\"health\"", StringComparison.Ordinal));
        output.WriteLine($"limit restored: /healthz 200 again after {recovered.TotalSeconds:0.0} s; {errors}");
        Assert.NotNull(errors);
        // Backing off from 10 ms to 1 s, a few seconds hold a dozen attempts; a spinning loop makes thousands.
        Assert.InRange(double.Parse(errors.Split(' ')[^1], CultureInfo.InvariantCulture), 1, 30);
        Assert.True(agent.Running, "the agent exited");
    }

    private static int Cap(string listener) => listener switch
    {
        "health" => Limits.HealthConnections,
        "metrics" => Limits.MetricsConnections,
        _ => Limits.HealthCheckConnections,
    };

    private static string FirstLine(string answer) => answer.Split('\r', '\n')[0];

    /// <returns>How many could not connect within 5 s.</returns>
    private static async Task<int> ConnectAllAsync(IReadOnlyList<Socket> sockets, int port)
    {
        var failed = 0;
        using var gate = new SemaphoreSlim(256);
        await Task.WhenAll(sockets.Select(async socket =>
        {
            await gate.WaitAsync();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                Interlocked.Increment(ref failed);
            }
            finally
            {
                gate.Release();
            }
        }));
        return failed;
    }

    /// <summary>When each socket saw the agent close it (or 20 s, which fails the test).</summary>
    private static async Task<(string, string, TimeSpan[])> ClosedAfterAsync(string listener, string kind, IReadOnlyList<Socket> sockets, Stopwatch clock, TimeSpan since)
    {
        var closed = await Task.WhenAll(sockets.Select(async socket =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await AbusedAgent.ReadToEndAsync(socket, timeout.Token);
            }
            catch (SocketException)
            {
                // A reset is a close too.
            }
            catch (OperationCanceledException)
            {
                return clock.Elapsed - since;
            }

            return clock.Elapsed - since;
        }));
        return (listener, kind, closed);
    }

    private async Task<string> SendAsync(int port, string request)
    {
        using var socket = agent.Sockets(1)[0];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        }
        catch (SocketException)
        {
            // The agent may refuse before it has all of it; its answer is still there to read.
        }

        try
        {
            return await AbusedAgent.ReadToEndAsync(socket, timeout.Token);
        }
        catch (SocketException e)
        {
            return $"reset: {e.Message}";
        }
    }

    private async Task<string> FloodAsync(HttpClient client, (int Port, string Path)[] targets, TimeSpan length)
    {
        var until = DateTime.UtcNow + length;
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var workers = targets.SelectMany(t => Enumerable.Range(0, 16).Select(async _ =>
        {
            while (DateTime.UtcNow < until)
            {
                try
                {
                    using var response = await client.GetAsync($"http://127.0.0.1:{t.Port}{t.Path}");
                    await response.Content.ReadAsByteArrayAsync();
                    counts.AddOrUpdate($"{t.Port} {(int)response.StatusCode}", 1, (_, n) => n + 1);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    counts.AddOrUpdate($"{t.Port} failed", 1, (_, n) => n + 1);
                }
            }
        })).Concat(targets.Select(async t =>
        {
            var oversized = $"GET {t.Path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {new string('a', 64 * 1024)}\r\n\r\n";
            while (DateTime.UtcNow < until)
            {
                var answer = await SendAsync(t.Port, oversized);
                counts.AddOrUpdate($"{t.Port} {FirstLine(answer).Replace("HTTP/1.1 ", "", StringComparison.Ordinal)[..Math.Min(3, FirstLine(answer).Length)]}", 1, (_, n) => n + 1);
            }
        }));
        await Task.WhenAll(workers);
        return string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}"));
    }

    private async Task<TimeSpan> UntilHealthyAsync(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < within)
        {
            last = FirstLine(await agent.GetAsync(AbusedAgent.HealthPort, "/healthz"));
            if (last == "HTTP/1.1 200 OK")
            {
                return clock.Elapsed;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"/healthz not 200 within {within.TotalSeconds} s: {last}");
    }

    /// <summary>One agent for the whole class.</summary>
    public sealed class Agent : IAsyncLifetime
    {
        private readonly List<string> lines = [];
        private AbusedAgent? agent;

        internal AbusedAgent Running => agent ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync()
        {
            agent = await AbusedAgent.StartAsync(line =>
            {
                lock (lines)
                {
                    lines.Add(line);
                }
            });
        }

        public async Task DisposeAsync()
        {
            if (agent is not null)
            {
                var code = await agent.StopAsync();
                await agent.DisposeAsync();
                Assert.Equal(0, code);
            }
        }
    }
}

[CollectionDefinition(ListenerAbuseTests.Alone, DisableParallelization = true)]
public sealed class ListenerFloodsAlone;
