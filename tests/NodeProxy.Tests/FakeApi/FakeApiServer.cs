using System.Net;
using System.Text;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NodeProxy.Tests.FakeApi;

/// <summary>
/// An in-process Kubernetes API server speaking the real HTTP list/watch protocol for services,
/// EndpointSlices, nodes and pods, with switches to fail the way real apiservers do.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ApiState state = new();
    readonly Faults faults = new();

    FakeApiServer(WebApplication app)
    {
        this.app = app;
        app.Run(HandleAsync);
    }

    /// <summary>Like http://127.0.0.1:PORT, for KubernetesClientConfiguration.Host.</summary>
    public string BaseAddress { get; private set; } = "";

    /// <summary>The certificate served over TLS, which is also the CA a client trusts; null over plain HTTP.</summary>
    public X509Certificate2? Certificate { get; private set; }

    public RequestLog Requests { get; } = new();

    /// <summary>The global resourceVersion counter, shared by all kinds as etcd's revision is.</summary>
    public string ResourceVersion => state.ResourceVersion.ToString();

    public int OpenWatchCount => state.OpenWatchCount;

    public bool Available => faults.Available;

    /// <summary>
    /// Whether a write gets a managedFields entry, as on a real API server (the default). The
    /// benchmarks turn it off, so that their figures compare with those measured before it.
    /// </summary>
    public bool RecordManagedFields { get => state.RecordManagedFields; set => state.RecordManagedFields = value; }

    /// <param name="listener">A listening socket to serve on instead of a new one on 127.0.0.1:
    /// one made inside a network namespace serves an agent running there.</param>
    /// <param name="certificate">Serve HTTPS with it, as a real API server does (an in-cluster
    /// client accepts nothing else); see <see cref="TestCertificate"/>.</param>
    public static async Task<FakeApiServer> StartAsync(System.Net.Sockets.Socket? listener = null, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> tls = l =>
            {
                if (certificate is not null)
                {
                    l.UseHttps(certificate);
                }
            };
            if (listener is null)
            {
                options.Listen(IPAddress.Loopback, 0, tls);
            }
            else
            {
                options.ListenHandle((ulong)listener.Handle, tls);
            }
        });
        if (certificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        var server = new FakeApiServer(builder.Build()) { Certificate = certificate };
        await server.app.StartAsync();
        var addresses = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        var scheme = certificate is null ? "http" : "https";
        server.BaseAddress = listener?.LocalEndPoint is IPEndPoint bound ? $"{scheme}://{bound}" : addresses.Addresses.Single();
        return server;
    }

    /// <summary>A kubeconfig that points the real agent at this server.</summary>
    public string KubeconfigYaml() => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: {{BaseAddress}}{{(Certificate is null ? "" : $"\n    certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(Certificate.ExportCertificatePem()))}")}}
        users:
        - name: agent
          user:
            token: fake-token
        contexts:
        - name: fake
          context:
            cluster: fake
            user: agent
        current-context: fake
        """;

    public Kubernetes NewClient() => new(new KubernetesClientConfiguration { Host = BaseAddress });

    /// <summary>Creates or replaces the object (a copy of it), and returns the resourceVersion it got.</summary>
    public string Apply(IKubernetesObject<V1ObjectMeta> obj) => state.Apply(obj).ToString();

    /// <summary>Like <see cref="Apply"/>, but the object goes on the wire (lists, watch events) as <paramref name="bend"/> rewrites its JSON.</summary>
    public string ApplyBent(IKubernetesObject<V1ObjectMeta> obj, Func<string, string> bend) => state.Apply(obj, bend).ToString();

    /// <summary>A burst: one resourceVersion each, as separate writes; returns the last.</summary>
    public string ApplyMany(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var last = state.ResourceVersion;
        foreach (var obj in objects)
            last = state.Apply(obj);
        return last.ToString();
    }

    /// <summary>
    /// Encodes every stored object now rather than at the first list: a benchmark measures the
    /// node, and a real API server does its encoding on its own machine, not on the node's cores.
    /// </summary>
    public void EncodeAll() => state.EncodeAll();

    /// <summary>False when there was no such object.</summary>
    public bool Delete<T>(string? ns, string name) where T : IKubernetesObject<V1ObjectMeta> =>
        state.Delete(ResourceType.For(typeof(T)), ns, name);

    /// <summary>A BOOKMARK at the current resourceVersion to every watch that allowed them.</summary>
    public void SendBookmarks() => state.SendBookmarks();

    /// <summary>Compaction of every resourceVersion so far: watches from any of them, and those open now, get the 410 ERROR event and end.</summary>
    public void ExpireHistory() => state.ExpireHistory();

    /// <summary>Aborts every open watch connection mid-stream, as a dropped TCP connection.</summary>
    public void DisconnectWatches()
    {
        foreach (var session in state.OpenWatches())
        {
            try
            {
                session.Context.Abort();
            }
            catch (ObjectDisposedException)
            {
                // That request finished on its own a moment ago: nothing left to cut.
            }
        }
    }

    /// <summary>While stalled watches get no bytes and lists hang; changes are still recorded.</summary>
    public void Stall(bool stalled) => faults.Stall(stalled);

    /// <summary>The next <paramref name="count"/> requests, lists or watches, fail with this status.</summary>
    public void FailRequests(int count, int statusCode = 500) => faults.FailRequests(count, statusCode);

    /// <summary>While set, watches are accepted and then end at once with an ERROR event of this status (null: watches work).</summary>
    public void FailWatches(int? statusCode) => faults.WatchError = statusCode;

    /// <summary>While unavailable every request answers 503 at once.</summary>
    public void SetAvailable(bool available) => faults.Available = available;

    public async ValueTask DisposeAsync()
    {
        faults.Stall(false);
        DisconnectWatches();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await app.StopAsync(patience.Token);
        await app.DisposeAsync();
    }

    async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var watch = request.Query["watch"].ToString() is "true" or "1";
        Requests.Record(new(path, request.QueryString.Value?.TrimStart('?') ?? "", watch));

        if (!faults.Available)
        {
            await Responses.FailureAsync(context, 503, "the server is currently unable to handle the request");
            return;
        }
        if (faults.TakeFailure() is { } code)
        {
            await Responses.FailureAsync(context, code, "injected");
            return;
        }
        if (!HttpMethods.IsGet(request.Method))
        {
            await Responses.FailureAsync(context, 405, $"the fake API server only reads; {request.Method} is not served");
            return;
        }
        if (ResourceType.ForPath(path) is not { } type)
        {
            await Responses.FailureAsync(context, 404, $"the server could not find the requested resource {path}");
            return;
        }

        Selection selection;
        try
        {
            selection = new(type, LabelSelector.Parse(request.Query["labelSelector"]), FieldSelector.Parse(request.Query["fieldSelector"]));
        }
        catch (FormatException e)
        {
            await Responses.FailureAsync(context, 400, e.Message);
            return;
        }
        if (selection.Fields.UnsupportedField(type, type.New()) is { } field)
        {
            await Responses.FailureAsync(context, 400, $"field label not supported: {field}");
            return;
        }

        await (watch
            ? WatchEndpoint.ServeAsync(context, state, faults, selection)
            : ListEndpoint.ServeAsync(context, state, faults, selection));
    }
}
