using Microsoft.AspNetCore.Http;
using Prometheus;

namespace NodeProxy.Http;

/// <summary>/metrics in Prometheus' text format, from prometheus-net's default registry.</summary>
internal static class MetricsEndpoint
{
    public static async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path != "/metrics" && !path.StartsWith("/metrics/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        try
        {
            await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        }
        catch (ScrapeFailedException e) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = 503;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(e.Message, context.RequestAborted);
        }
    }
}
