using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace NodeProxy.Http;

/// <summary>
/// A socket connection as Kestrel sees it, which gives its place in the budget back when Kestrel
/// is done with it and carries the listener's request handler for the requests it brings.
/// </summary>
internal sealed class TrackedConnection : ConnectionContext, IEvictable
{
    private readonly ConnectionContext inner;
    private readonly ConnectionBudget budget;
    private int released;

    public TrackedConnection(ConnectionContext inner, ConnectionBudget budget, RequestHandler handler)
    {
        this.inner = inner;
        this.budget = budget;
        Features = new FeatureCollection(inner.Features);
        // Kestrel's request features fall back to the connection's: the handler reaches the request.
        Features.Set(handler);
    }

    public override string ConnectionId
    {
        get => inner.ConnectionId;
        set => inner.ConnectionId = value;
    }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items
    {
        get => inner.Items;
        set => inner.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => inner.Transport;
        set => inner.Transport = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => inner.ConnectionClosed;
        set => inner.ConnectionClosed = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => inner.LocalEndPoint;
        set => inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => inner.RemoteEndPoint;
        set => inner.RemoteEndPoint = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

    public override void Abort() => inner.Abort();

    public void Evict() => inner.Abort(new ConnectionAbortedException("evicted: the listener is at its connection cap"));

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await inner.DisposeAsync();
        }
        finally
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                budget.Release(this);
            }
        }
    }
}

/// <summary>What answers the requests of one listener.</summary>
internal sealed record RequestHandler(string Listener, Func<Microsoft.AspNetCore.Http.HttpContext, Task> Handle);
