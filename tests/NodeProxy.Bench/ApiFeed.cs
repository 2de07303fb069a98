using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using NodeProxy.Lab;
using NodeProxy.Tests.Diff;
using NodeProxy.Tests.FakeApi;

namespace NodeProxy.Bench;

/// <summary>
/// The fake API server serving the synthetic cluster (the Node, a Service and an EndpointSlice per
/// service) over TLS on 127.0.0.1 inside the agent's namespace, and the kubeconfig that points the
/// agent at it: the agent lists and watches as it would a real API server.
/// </summary>
internal sealed class ApiFeed : IAsyncDisposable
{
    private readonly FakeApiServer server;
    private readonly X509Certificate2 certificate;
    private readonly string folder;

    private ApiFeed(FakeApiServer server, X509Certificate2 certificate, string folder)
    {
        this.server = server;
        this.certificate = certificate;
        this.folder = folder;
    }

    public string Kubeconfig => Path.Combine(folder, "kubeconfig");

    /// <summary>Stopwatch.GetTimestamp() when the agent's first request (its first list) arrived; 0 before it.</summary>
    public long FirstRequest => server.Requests.FirstArrival;

    /// <summary>The first request's path, to show in the progress line which list came first.</summary>
    public string? FirstPath => server.Requests.All.FirstOrDefault()?.Path;

    /// <param name="ns">A namespace whose lo is up.</param>
    public static async Task<ApiFeed> StartAsync(string ns, int services)
    {
        var certificate = TestCertificate.ForLoopback();
        var folder = Directory.CreateTempSubdirectory("nodeproxy-api-").FullName;
        try
        {
            var listener = NamespaceSockets.Create(ns, () =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                socket.Listen(64);
                return socket;
            });
            var server = await FakeApiServer.StartAsync(listener, certificate);
            server.RecordManagedFields = BenchObjects.ManagedFields;
            server.Apply(SyntheticCluster.Node());
            server.ApplyMany(Enumerable.Range(0, services).SelectMany(i => new IKubernetesObject<V1ObjectMeta>[] { SyntheticCluster.Service(i), SyntheticCluster.Slice(i) }));
            server.EncodeAll();
            var feed = new ApiFeed(server, certificate, folder);
            await File.WriteAllTextAsync(feed.Kubeconfig, server.KubeconfigYaml());
            return feed;
        }
        catch
        {
            certificate.Dispose();
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        certificate.Dispose();
        Directory.Delete(folder, recursive: true);
    }
}
