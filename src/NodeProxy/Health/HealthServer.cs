using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace NodeProxy.Health;

/// <summary>/healthz and /livez over HTTP, kube-proxy's paths, codes and headers.</summary>
public sealed class HealthServer(string bindAddress, ProxyHealth health, ILogger log) : IDisposable
{
    private static readonly Counter Healthz = Prometheus.Metrics.CreateCounter("kubeproxy_proxy_healthz_total", "Cumulative proxy healthz HTTP status", ["code"]);
    private static readonly Counter Livez = Prometheus.Metrics.CreateCounter("kubeproxy_proxy_livez_total", "Cumulative proxy livez HTTP status", ["code"]);
    private static readonly System.Text.Json.JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly HttpListener listener = new();

    /// <returns>The serving loop, which runs until <paramref name="cancel"/> or disposal.</returns>
    public Task Start(CancellationToken cancel)
    {
        listener.Prefixes.Add(BindAddress.Prefix(bindAddress));
        listener.Start();
        return Task.Run(() => ServeAsync(cancel), cancel);
    }

    public void Dispose() => listener.Close();

    private async Task ServeAsync(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested && listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            try
            {
                Answer(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                log.LogDebug("health: {Error}", e.Message);
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var path = context.Request.Url?.AbsolutePath;
        if (path is not ("/healthz" or "/livez"))
        {
            context.Response.StatusCode = 404;
            context.Response.Close();
            return;
        }

        var (healthy, body) = health.Check(withNode: path == "/healthz");
        var code = healthy ? 200 : 503;
        (path == "/healthz" ? Healthz : Livez).WithLabels(code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(Json));
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }
}
