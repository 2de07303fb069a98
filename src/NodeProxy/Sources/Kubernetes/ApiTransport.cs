using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace NodeProxy.Sources.Kubernetes;

/// <summary>
/// GET requests through KubernetesClient's own HttpClient (its TLS settings and handlers) and
/// credentials (tokens, refreshed as the client refreshes them), so the kubeconfig means exactly
/// what it means to the client; the bodies are left to the caller to read item by item.
/// </summary>
public sealed class ApiTransport(k8s.Kubernetes client)
{
    private const int MaxErrorBody = 64 * 1024;

    /// <summary>The response, its headers read and its body not yet.</summary>
    /// <exception cref="ApiStatusException">Any status but 2xx.</exception>
    public async Task<HttpResponseMessage> GetAsync(string pathAndQuery, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, pathAndQuery.TrimStart('/')))
        {
            // As the client asks: HTTP/2 where TLS offers it (one connection for every watch).
            Version = HttpVersion.Version20,
        };
        request.Headers.Accept.ParseAdd("application/json");
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancel);
        }

        var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await FailureAsync(response, cancel);
        }
    }

    private static async Task<ApiStatusException> FailureAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        var code = (int)response.StatusCode;
        var retryAfter = response.Headers.RetryAfter is { } after
            ? after.Delta ?? (after.Date is { } date ? date - DateTimeOffset.UtcNow : null)
            : null;
        var body = await ReadSomeAsync(response, cancel);
        try
        {
            if (KubernetesJson.Deserialize<V1Status>(body) is { } status)
            {
                return new ApiStatusException(code, status.Reason ?? response.ReasonPhrase, ObjectRef.Escape(status.Message ?? ""), retryAfter);
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // Not a Status (a proxy's HTML page, say): the start of the body says enough.
        }

        return new ApiStatusException(code, response.ReasonPhrase, ObjectRef.Escape(body.Length > 200 ? body[..200] : body), retryAfter);
    }

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancel);
        var buffer = new byte[MaxErrorBody];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancel)) > 0)
        {
            read += n;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }
}
