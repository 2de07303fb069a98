using System.Collections.Concurrent;
using Microsoft.AspNetCore.WebUtilities;

namespace NodeProxy.Tests.FakeApi;

/// <summary>One request as the server saw it; Query is without the leading '?'.</summary>
public sealed record RecordedRequest(string Path, string Query, bool Watch)
{
    /// <summary>A query parameter's value, or null when absent.</summary>
    public string? Parameter(string name) =>
        QueryHelpers.ParseQuery(Query).TryGetValue(name, out var value) ? value.ToString() : null;
}

/// <summary>Every request in arrival order, for tests that assert how a client talks to the apiserver.</summary>
public sealed class RequestLog
{
    readonly ConcurrentQueue<RecordedRequest> requests = new();
    long firstArrival;

    /// <summary>Stopwatch.GetTimestamp() when the first request arrived, 0 before any: where a client's start-up ends and its lists begin.</summary>
    public long FirstArrival => Interlocked.Read(ref firstArrival);

    public IReadOnlyList<RecordedRequest> All => [.. requests];

    public int Lists(string path) => requests.Count(r => r.Path == path && !r.Watch);

    public int Watches(string path) => requests.Count(r => r.Path == path && r.Watch);

    public IReadOnlyList<string> Queries(string path) => [.. requests.Where(r => r.Path == path).Select(r => r.Query)];

    internal void Record(RecordedRequest request)
    {
        Interlocked.CompareExchange(ref firstArrival, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
        requests.Enqueue(request);
    }
}
