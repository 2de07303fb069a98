using Microsoft.AspNetCore.Http;

namespace NodeProxy.Tests.FakeApi;

/// <summary>A watch: a chunked stream of one JSON event per line, flushed per event, until timeoutSeconds, the client or a fault ends it.</summary>
static class WatchEndpoint
{
    public static async Task ServeAsync(HttpContext context, ApiState state, Faults faults, Selection selection)
    {
        var query = context.Request.Query;
        long? from = null;
        var rv = query["resourceVersion"].ToString();
        if (rv is not ("" or "0"))
        {
            if (!long.TryParse(rv, out var parsed))
            {
                await Responses.FailureAsync(context, 400, $"invalid resource version: {rv}");
                return;
            }
            from = parsed;
        }
        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";

        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0)
            ending.CancelAfter(TimeSpan.FromSeconds(seconds));
        var token = ending.Token;

        var session = state.OpenWatch(selection, bookmarks, from, context);
        try
        {
            // A stalled server sends not even the headers.
            await faults.WaitRunningAsync(token);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(token);
            await context.Response.Body.FlushAsync(token);
            if (faults.WatchError is { } code)
            {
                await context.Response.WriteAsync(WatchLine.Error(Statuses.Failure(code, Statuses.ReasonFor(code), "injected")), token);
                return;
            }
            await foreach (var line in session.Lines.ReadAllAsync(token))
            {
                await faults.WaitRunningAsync(token);
                await context.Response.WriteAsync(line, token);
                await context.Response.Body.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // timeoutSeconds ends the stream cleanly; an aborted request has nobody left to tell.
        }
        finally
        {
            state.CloseWatch(session);
        }
    }
}
