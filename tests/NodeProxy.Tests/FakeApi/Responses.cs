using k8s;
using Microsoft.AspNetCore.Http;

namespace NodeProxy.Tests.FakeApi;

static class Responses
{
    public static Task JsonAsync(HttpContext context, int statusCode, object body) =>
        WriteAsync(context, statusCode, KubernetesJson.Serialize(body));

    public static Task FailureAsync(HttpContext context, int statusCode, string message) =>
        WriteAsync(context, statusCode, StatusJson.Serialize(Statuses.Failure(statusCode, Statuses.ReasonFor(statusCode), message)));

    public static Task RawAsync(HttpContext context, int statusCode, string json) => WriteAsync(context, statusCode, json);

    static async Task WriteAsync(HttpContext context, int statusCode, string json)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json, context.RequestAborted);
    }
}
