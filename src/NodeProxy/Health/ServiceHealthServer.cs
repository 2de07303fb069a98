using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using NodeProxy.Http;

namespace NodeProxy.Health;

/// <summary>
/// The per-service health check node ports of eTP=Local LoadBalancer Services, opened and closed
/// as Services come and go, answering as kube-proxy does: 200 with local ready endpoints and a
/// healthy proxy, else 503; the count in the body and in X-Load-Balancing-Endpoint-Weight. All
/// ports are one listener of the agent's HTTP server, under one connection cap.
/// </summary>
internal sealed class ServiceHealthServer(ProxyHealth proxy, ILogger log)
{
    private readonly ConcurrentDictionary<int, ServiceHealthCheck> checks = new();
    private SocketGroup? sockets;

    public IReadOnlyCollection<int> Ports => [.. checks.Keys];

    /// <summary>Where the ports are opened; until then Sync only remembers what is wanted.</summary>
    public void Attach(SocketGroup group) => sockets = group;

    public void Sync(IEnumerable<ServiceHealthCheck> wantedChecks)
    {
        var wanted = wantedChecks.GroupBy(c => c.Port).ToDictionary(g => g.Key, g => g.First());
        foreach (var port in checks.Keys.Where(p => !wanted.ContainsKey(p)).ToList())
        {
            if (checks.TryRemove(port, out _))
            {
                sockets?.Unbind(Address(port));
            }
        }

        foreach (var (port, check) in wanted)
        {
            if (checks.ContainsKey(port))
            {
                checks[port] = check;
                continue;
            }

            try
            {
                sockets?.Bind(Address(port));
            }
            catch (SocketException e)
            {
                log.LogWarning("health check node port {Port} of {Namespace}/{Name} cannot be opened: {Error}", port, check.Namespace, check.Name, e.Message);
                continue;
            }

            checks[port] = check;
        }
    }

    public async Task AnswerAsync(HttpContext context)
    {
        if (!checks.TryGetValue(context.Connection.LocalPort, out var check))
        {
            // The port closed while this connection was open.
            context.Abort();
            return;
        }

        var proxyHealthy = proxy.Check(withNode: false).Healthy;
        var body = new JsonObject
        {
            ["service"] = new JsonObject { ["namespace"] = check.Namespace, ["name"] = check.Name },
            ["localEndpoints"] = check.LocalEndpoints,
            ["serviceProxyHealthy"] = proxyHealthy,
        };
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        context.Response.StatusCode = check.LocalEndpoints > 0 && proxyHealthy ? 200 : 503;
        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        context.Response.Headers["X-Load-Balancing-Endpoint-Weight"] = check.LocalEndpoints.ToString(CultureInfo.InvariantCulture);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static IPEndPoint Address(int port) => new(IPAddress.Any, port);
}
