using NodeProxy.Commands;
using NodeProxy.Model;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;
using NodeProxy.Tests.FakeApi;
using NodeProxy.Tests.Watch;
using NodeProxy.Trace.Explain;
using Xunit;

namespace NodeProxy.Tests.Commands;

/// <summary>
/// render, trace and explain with --kubeconfig: one list of each resource through the real
/// KubernetesClient from the fake API server (on loopback), and the Service is there, endpoints
/// and all, with a problem in another object reported and not fatal.
/// </summary>
public sealed class ApiOneShotTests : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("nodeproxy-oneshot-").FullName;
    private FakeApiServer api = null!;

    public async Task InitializeAsync() => api = await FakeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await api.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task OneListOfEachResourceFeedsTheOneShotCommands()
    {
        var kubeconfig = Path.Combine(folder, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, api.KubeconfigYaml());
        api.Apply(ApiObjects.Node("node-1", "192.168.56.11"));
        api.Apply(ApiObjects.Service("web", 5));
        api.Apply(ApiObjects.Slice("web", "10.244.2.10"));
        var bad = ApiObjects.Service("broken", 6);
        bad.Spec.ClusterIP = "10.96.0.999";
        bad.Spec.ClusterIPs = ["10.96.0.999"];
        api.Apply(bad);
        var log = new StringWriter();

        var pipeline = await OfflinePipeline.RunAsync(null, kubeconfig, new NodeConfig("node-1"), log);

        var batch = RestoreText.Write(Renderer.Render(pipeline.Model.V4));
        Assert.Contains("--comment \"default/web:http -> 10.244.2.10:8080\"", batch, StringComparison.Ordinal);
        Assert.Contains("default/broken", log.ToString(), StringComparison.Ordinal);
        var explained = ServiceExplainer.Explain("default", "web", pipeline.Snapshot, pipeline.Model, pipeline.Problems,
            f => Renderer.Render(pipeline.Model.For(f)), _ => null, "--no-live");
        Assert.Matches(@"10\.244\.2\.10:8080 +\(no node\) +ready +used for cluster traffic", explained);
        Assert.Contains("type ClusterIP, cluster IPs 10.96.0.6", explained, StringComparison.Ordinal);
    }
}
