using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NodeProxy.Http;

/// <summary>
/// One Kestrel server for every HTTP listener of the agent (health, metrics, health check node
/// ports), with Kestrel's limits set from <see cref="ListenerLimits"/>: HTTP/1.1 only, no
/// upgrades, request head and idle timeouts, head and body sizes. The sockets are the
/// <see cref="SocketGroup"/>s', which Kestrel takes its connections from.
/// </summary>
internal sealed class ListenerServer(ListenerLimits limits, ILoggerFactory logs, TimeProvider time) : IAsyncDisposable
{
    private readonly Dictionary<string, SocketGroup> groups = [];
    private readonly SocketConnectionContextFactory connections = new(
        new SocketConnectionFactoryOptions { MaxReadBufferSize = limits.MaxBufferBytes, MaxWriteBufferSize = 64 * 1024 },
        logs.CreateLogger("nodeproxy.listeners"));

    private readonly FloodAftermath aftermath = new(logs.CreateLogger("nodeproxy"), time);
    private KestrelServer? server;

    /// <summary>A listener with its own connection cap; bind its sockets before or after Start.</summary>
    public SocketGroup Add(string name, int capacity, Func<HttpContext, Task> handle)
    {
        var group = new SocketGroup(name, new ConnectionBudget(name, capacity), new RequestHandler(name, handle), connections, aftermath, logs.CreateLogger("nodeproxy"), time);
        groups.Add(name, group);
        return group;
    }

    public void Start()
    {
        var options = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = NoServices.Instance };
        options.Limits.MaxConcurrentConnections = null;
        options.Limits.MaxConcurrentUpgradedConnections = 0;
        options.Limits.KeepAliveTimeout = limits.KeepAlive;
        options.Limits.RequestHeadersTimeout = limits.HeaderTimeout;
        options.Limits.MaxRequestHeadersTotalSize = limits.MaxHeaderBytes;
        options.Limits.MaxRequestLineSize = limits.MaxRequestLineBytes;
        options.Limits.MaxRequestHeaderCount = limits.MaxHeaderCount;
        options.Limits.MaxRequestBodySize = limits.MaxBodyBytes;
        options.Limits.MaxRequestBufferSize = limits.MaxBufferBytes;
        foreach (var group in groups.Values)
        {
            options.Listen(group.EndPoint, listen => listen.Protocols = HttpProtocols.Http1);
        }

        server = new KestrelServer(Options.Create(options), new GroupTransport(groups), logs);
        // Binding a group only hands Kestrel the listener object: nothing here waits on I/O.
        server.StartAsync(new Dispatch(aftermath), CancellationToken.None).GetAwaiter().GetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await server.StopAsync(grace.Token);
            server.Dispose();
        }

        foreach (var group in groups.Values)
        {
            await group.DisposeAsync();
        }

        connections.Dispose();
        aftermath.Dispose();
    }

    /// <summary>Hands each request to the handler of the listener its connection came from.</summary>
    private sealed class Dispatch(FloodAftermath aftermath) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context)
        {
            aftermath.Arrived();
            if (context.Features.Get<RequestHandler>() is { } handler)
            {
                return handler.Handle(context);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }

    private sealed class GroupTransport(IReadOnlyDictionary<string, SocketGroup> groups) : IConnectionListenerFactory, IConnectionListenerFactorySelector
    {
        public bool CanBind(System.Net.EndPoint endpoint) => endpoint is GroupEndPoint;

        public ValueTask<IConnectionListener> BindAsync(System.Net.EndPoint endpoint, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IConnectionListener>(groups[((GroupEndPoint)endpoint).Name]);
    }

    /// <summary>Kestrel asks its options for services; a bare server has none to offer.</summary>
    private sealed class NoServices : IServiceProvider
    {
        public static readonly NoServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
