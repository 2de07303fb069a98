using System.Text;
using Microsoft.AspNetCore.Http;
using Prometheus;

namespace NodeProxy.Health;

/// <summary>/healthz and /livez over HTTP, kube-proxy's paths, codes and headers.</summary>
public sealed class HealthServer(ProxyHealth health)
{
    private static readonly Counter Healthz = Prometheus.Metrics.CreateCounter("kubeproxy_proxy_healthz_total", "Cumulative proxy healthz HTTP status", ["code"]);
    private static readonly Counter Livez = Prometheus.Metrics.CreateCounter("kubeproxy_proxy_livez_total", "Cumulative proxy livez HTTP status", ["code"]);
    private static readonly System.Text.Json.JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is not ("/healthz" or "/livez"))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var (healthy, body) = health.Check(withNode: path == "/healthz");
        var code = healthy ? 200 : 503;
        (path == "/healthz" ? Healthz : Livez).WithLabels(code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(Json));
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}
