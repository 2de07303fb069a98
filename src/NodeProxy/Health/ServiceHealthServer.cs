using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace NodeProxy.Health;

/// <summary>
/// The per-service health check node ports of eTP=Local LoadBalancer Services, opened and closed
/// as Services come and go, answering as kube-proxy does: 200 with local ready endpoints and a
/// healthy proxy, else 503; the count in the body and in X-Load-Balancing-Endpoint-Weight.
/// </summary>
public sealed class ServiceHealthServer(ProxyHealth proxy, ILogger log) : IDisposable
{
    private readonly ConcurrentDictionary<int, (HttpListener Listener, ServiceHealthCheck Check, string Hosts)> servers = new();

    public IReadOnlyCollection<int> Ports => [.. servers.Keys];

    /// <param name="addresses">Where to listen (--nodeport-addresses); null: every address.</param>
    public void Sync(IEnumerable<ServiceHealthCheck> checks, IReadOnlyList<IPAddress>? addresses = null)
    {
        // .NET's HttpListener on Linux refuses an IPv6 literal in a prefix ("Invalid port in
        // prefix"), so with --nodeport-addresses the IPv6 ones are left out, and said so.
        List<string> hosts = addresses is null ? ["+"] : [.. addresses.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).Select(a => a.ToString()).Order(StringComparer.Ordinal)];
        if (addresses is not null && addresses.Count > hosts.Count && servers.IsEmpty && checks.Any())
        {
            log.LogWarning("health check node ports listen on the IPv4 addresses of --nodeport-addresses only ({Hosts}), not on {IPv6}", string.Join(", ", hosts), string.Join(", ", addresses.Where(a => a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)));
        }

        var bound = string.Join(',', hosts);
        var wanted = checks.GroupBy(c => c.Port).ToDictionary(g => g.Key, g => g.First());

        // A port whose addresses changed is opened again on the new ones.
        foreach (var port in servers.Keys.Where(p => !wanted.ContainsKey(p) || servers[p].Hosts != bound).ToList())
        {
            if (servers.TryRemove(port, out var gone))
            {
                gone.Listener.Close();
            }
        }

        foreach (var (port, check) in wanted)
        {
            if (servers.TryGetValue(port, out var running))
            {
                servers[port] = (running.Listener, check, bound);
                continue;
            }

            if (hosts.Count == 0)
            {
                continue;
            }

            var listener = new HttpListener();
            foreach (var host in hosts)
            {
                listener.Prefixes.Add($"http://{host}:{port}/");
            }

            try
            {
                listener.Start();
            }
            catch (HttpListenerException e)
            {
                log.LogWarning("health check node port {Port} of {Namespace}/{Name} cannot be opened: {Error}", port, check.Namespace, check.Name, e.Message);
                continue;
            }

            servers[port] = (listener, check, bound);
            _ = Task.Run(() => ServeAsync(port, listener));
        }
    }

    public void Dispose()
    {
        foreach (var (listener, _, _) in servers.Values)
        {
            listener.Close();
        }
    }

    private async Task ServeAsync(int port, HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            if (!servers.TryGetValue(port, out var entry))
            {
                context.Response.Abort();
                continue;
            }

            var check = entry.Check;
            var proxyHealthy = proxy.Check(withNode: false).Healthy;
            var body = new JsonObject
            {
                ["service"] = new JsonObject { ["namespace"] = check.Namespace, ["name"] = check.Name },
                ["localEndpoints"] = check.LocalEndpoints,
                ["serviceProxyHealthy"] = proxyHealthy,
            };
            var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            try
            {
                context.Response.StatusCode = check.LocalEndpoints > 0 && proxyHealthy ? 200 : 503;
                context.Response.ContentType = "application/json";
                context.Response.Headers["X-Content-Type-Options"] = "nosniff";
                context.Response.Headers["X-Load-Balancing-Endpoint-Weight"] = check.LocalEndpoints.ToString(CultureInfo.InvariantCulture);
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                log.LogDebug("health check node port {Port}: {Error}", port, e.Message);
            }
        }
    }
}
