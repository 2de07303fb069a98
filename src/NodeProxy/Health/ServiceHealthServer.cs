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
/// ports are one listener of the agent's HTTP server, under one connection cap. With
/// --nodeport-addresses a port is opened on those addresses only, as kube-proxy's server does.
/// </summary>
internal sealed class ServiceHealthServer(ProxyHealth proxy, ILogger log)
{
    private static readonly IReadOnlyList<IPAddress> Everywhere = [IPAddress.Any];
    private readonly ConcurrentDictionary<int, (ServiceHealthCheck Check, IReadOnlyList<IPEndPoint> Bound)> ports = new();
    private SocketGroup? sockets;

    public IReadOnlyCollection<int> Ports => [.. ports.Keys];

    /// <summary>Where the ports are opened; until then Sync only remembers what is wanted.</summary>
    public void Attach(SocketGroup group) => sockets = group;

    /// <param name="addresses">Where to listen (--nodeport-addresses); null: every address.</param>
    public void Sync(IEnumerable<ServiceHealthCheck> wantedChecks, IReadOnlyList<IPAddress>? addresses = null)
    {
        var hosts = addresses ?? Everywhere;
        var wanted = wantedChecks.GroupBy(c => c.Port).ToDictionary(g => g.Key, g => g.First());

        // A port whose addresses changed is opened again on the new ones.
        foreach (var port in ports.Keys.Where(p => !wanted.ContainsKey(p) || !SameHosts(ports[p].Bound, hosts)).ToList())
        {
            if (ports.TryRemove(port, out var gone))
            {
                foreach (var endpoint in gone.Bound)
                {
                    sockets?.Unbind(endpoint);
                }
            }
        }

        foreach (var (port, check) in wanted)
        {
            if (ports.TryGetValue(port, out var open))
            {
                ports[port] = (check, open.Bound);
                continue;
            }

            var bound = new List<IPEndPoint>();
            foreach (var host in hosts)
            {
                var endpoint = new IPEndPoint(host, port);
                try
                {
                    sockets?.Bind(endpoint);
                    bound.Add(endpoint);
                }
                catch (SocketException e)
                {
                    log.LogWarning("health check node port {Port} of {Namespace}/{Name} cannot be opened on {Address}: {Error}", port, check.Namespace, check.Name, host, e.Message);
                }
            }

            if (bound.Count > 0 || sockets is null)
            {
                ports[port] = (check, bound);
            }
        }
    }

    public async Task AnswerAsync(HttpContext context)
    {
        if (!ports.TryGetValue(context.Connection.LocalPort, out var open))
        {
            // The port closed while this connection was open.
            context.Abort();
            return;
        }

        var check = open.Check;
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

    private static bool SameHosts(IReadOnlyList<IPEndPoint> bound, IReadOnlyList<IPAddress> hosts) =>
        bound.Count == hosts.Count && bound.Select(b => b.Address).Order(AddressOrder.Instance).SequenceEqual(hosts.Order(AddressOrder.Instance));

    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) => string.CompareOrdinal(x?.ToString(), y?.ToString());
    }
}
