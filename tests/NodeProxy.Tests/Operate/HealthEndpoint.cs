using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using NodeProxy.Health;
using NodeProxy.Http;

namespace NodeProxy.Tests.Operate;

/// <summary>The real health server on a free loopback port, and plain GETs against it.</summary>
internal sealed class HealthEndpoint : IDisposable
{
    private readonly HttpClient client = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly ListenerServer server;
    private readonly string address;

    public HealthEndpoint(ProxyHealth health, PartsHealth parts, CancellationToken cancel)
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            address = $"127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        }

        var limits = ListenerLimits.For(1024);
        server = new ListenerServer(limits, NullLoggerFactory.Instance, TimeProvider.System);
        var listener = server.Add("health", limits.HealthConnections, new HealthServer(health).AnswerAsync);
        server.Start();
        parts.Watch("the health server", listener.Bind(IPEndPoint.Parse(address)), cancel);
    }

    public async Task<(int Code, string Body)> GetAsync(string path)
    {
        using var response = await client.GetAsync(new Uri($"http://{address}{path}"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Asks until the answer is <paramref name="code"/>; returns that answer's body.</summary>
    public async Task<string> UntilAsync(string path, int code, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var last = (Code: 0, Body: "");
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync(path);
            if (last.Code == code)
            {
                return last.Body;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{path} never answered {code} within {seconds} s; last {last.Code} {last.Body}");
    }

    public void Dispose()
    {
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        client.Dispose();
    }
}
