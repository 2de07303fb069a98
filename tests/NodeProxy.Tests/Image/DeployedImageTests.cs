using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using NodeProxy.Lab;
using NodeProxy.Tests.Deploy;
using NodeProxy.Tests.EndToEnd;
using NodeProxy.Tests.FakeApi;
using Xunit;
using Xunit.Abstractions;
using static NodeProxy.Tests.EndToEnd.AgentCluster;
using static NodeProxy.Tests.EndToEnd.Traffic;

namespace NodeProxy.Tests.Image;

/// <summary>
/// The image, run as the DaemonSet runs it, on a lab node: the example cluster served by a fake
/// API server over TLS inside node-1's namespace, found through the service account as in a pod.
/// </summary>
[Collection(ImageCollection.Name)]
public sealed class DeployedImageTests(AgentImage image, ITestOutputHelper output)
{
    private const string ClusterIp = "10.96.0.88";

    [Fact]
    public void BuildingTheImageLeftTheMachinesOwnIptablesAlone()
    {
        Assert.Equal(image.HostRules.Before, image.HostRules.After);
        Assert.DoesNotContain("NETAVARK", image.HostRules.After, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task ServesTrafficAndHandsOverToTheNextContainerWithoutAFailedConnection(string backend)
    {
        var hostBefore = await HostRules.SaveAsync();
        await using var cluster = await CreateAsync(backend, output);
        var node = cluster.Node1;
        var serviceAccount = Directory.CreateTempSubdirectory("nodeproxy-sa-").FullName;
        var prefix = $"nodeproxy-test-{cluster.Lab.Id}-";
        string[] containers = [prefix + "first", prefix + "second"];
        try
        {
            using var certificate = TestCertificate.ForLoopback();
            var listener = NamespaceSockets.Create(node.Netns, () =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                socket.Listen(64);
                return socket;
            });
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            await using var api = await FakeApiServer.StartAsync(listener, certificate);
            foreach (var obj in ExampleObjects())
            {
                api.Apply(obj);
            }

            await File.WriteAllTextAsync(Path.Combine(serviceAccount, "token"), "fake-token");
            await File.WriteAllTextAsync(Path.Combine(serviceAccount, "ca.crt"), certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(serviceAccount, "namespace"), "nodeproxy");
            var env = new Dictionary<string, string>
            {
                ["NODE_NAME"] = "node-1",
                ["CLUSTER_CIDR"] = "10.244.0.0/16",
                ["IPTABLES_BACKEND"] = backend,
                ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1",
                ["KUBERNETES_SERVICE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            if (!File.Exists("/run/xtables.lock"))
            {
                // As the DaemonSet's hostPath FileOrCreate does on a node that has none yet.
                await File.WriteAllBytesAsync("/run/xtables.lock", []);
            }

            // The node's own iptables writes the rules first (the agent run on the node itself),
            // so the image's iptables must read what the node's wrote.
            var kubeconfig = Path.Combine(cluster.Manifests.Folder, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, api.KubeconfigYaml());
            var (code, once) = await cluster.Lab.RunAgentOnceAsync(node, ["run", "--once", "--kubeconfig", kubeconfig, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16", "--iptables-backend", backend]);
            Assert.True(code == 0, once);

            await Podman.RunAsync(DaemonSetContainer.RunArgs(containers[0], image.Tag, (node.Netns, "node-1", "192.168.56.11"), serviceAccount, env));
            var adopted = await WaitForLogAsync(containers[0], "synced");
            Assert.Contains("IPv4 no change, read back from the kernel", adopted);
            Assert.Contains("cluster from the Kubernetes API", await Podman.LogsAsync(containers[0]));

            var pod = cluster.Lab.Pod("nginx-test");
            var client = cluster.Lab.Client("client");
            // 48 tries: with 12, random balancing missed one of the three pods 2% of the time.
            var viaClusterIp = await ManyAsync(48, () => pod.TcpRequestAsync(At(ClusterIp, 88)));
            var viaNodePort = await ManyAsync(6, () => client.TcpRequestAsync(At("192.168.56.11", 30000)));
            var viaHostPort = await client.TcpRequestAsync(At("192.168.56.11", 8081));
            AllAnswered([.. viaClusterIp, .. viaNodePort, viaHostPort]);
            Assert.Equal(3, viaClusterIp.Select(r => r.Pod).Distinct().Count());
            Assert.Equal("nginx-test", viaHostPort.Pod);

            // The image's iptables writes a change; the node's own reads it and traffic follows it.
            var from = (await Podman.LogsAsync(containers[0])).Length;
            var web = Watch.ApiObjects.Service("web", 90);
            web.Spec.Ports[0].TargetPort = 80;
            api.Apply(web);
            var slice = Watch.ApiObjects.Slice("web", "10.244.3.10");
            slice.Ports[0].Port = 80;
            api.Apply(slice);
            await WaitForLogAsync(containers[0], "bytes", from);
            // The Service and its slice are two events: the first sync may carry the Service alone
            // (its no-endpoints REJECT, in the filter table), and the slice a second one. Wait for
            // web's own DNAT: 10.244.3.10:80 alone is already there, an nginx-svc endpoint.
            static bool WebsDnat(string nat) => nat.Split('\n').Any(l => l.Contains("default/web", StringComparison.Ordinal) && l.Contains("to:10.244.3.10:80", StringComparison.Ordinal));
            var nat = await node.ExecAsync("iptables-" + backend, "-t", "nat", "-L", "-n", "-v");
            for (var waited = Stopwatch.StartNew(); !WebsDnat(nat) && waited.Elapsed < TimeSpan.FromSeconds(10);)
            {
                await Task.Delay(100);
                nat = await node.ExecAsync("iptables-" + backend, "-t", "nat", "-L", "-n", "-v");
            }

            Assert.True(WebsDnat(nat), $"no DNAT of default/web to 10.244.3.10:80 in node-1's nat table:\n{nat}");
            Assert.Equal("nginx-7c5ddbdf54-t8bwl", (await pod.TcpRequestAsync(At("10.96.0.91", 80))).Pod);

            // The rollout: SIGTERM to the first container while connections keep coming, then the next one.
            var stream = new Background(() => pod.TcpRequestAsync(At(ClusterIp, 88), TimeSpan.FromSeconds(2)));
            await using (stream)
            {
                await Task.Delay(500);
                var grace = DeployFiles.Single<V1DaemonSet>().Spec.Template.Spec.TerminationGracePeriodSeconds ?? 30;
                var stopping = Stopwatch.StartNew();
                await Podman.RunAsync("stop", "-t", grace.ToString(System.Globalization.CultureInfo.InvariantCulture), containers[0]);
                stopping.Stop();
                output.WriteLine($"stopped in {stopping.ElapsedMilliseconds} ms");
                // 0, not 137: the agent ended itself on SIGTERM, well inside the grace period.
                Assert.Equal("0", await Podman.InspectAsync(containers[0], "{{.State.ExitCode}}"));
                Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(grace), $"stop took {stopping.Elapsed}");
                Assert.Contains(ClusterIp, await node.ExecAsync("iptables-" + backend + "-save", "-t", "nat"));

                await Podman.RunAsync(DaemonSetContainer.RunArgs(containers[1], image.Tag, (node.Netns, "node-1", "192.168.56.11"), serviceAccount, env));
                Assert.Contains("IPv4 no change, read back from the kernel", await WaitForLogAsync(containers[1], "synced"));
                await Task.Delay(500);
                var replies = await stream.StopAsync();
                output.WriteLine($"{replies.Count} connections during the hand-over");
                AllAnswered(replies);
                Assert.True(replies.Count >= 10, $"only {replies.Count} connections during the hand-over");
            }

            await Podman.RunAsync("stop", "-t", "10", containers[1]);
        }
        finally
        {
            foreach (var container in containers)
            {
                output.WriteLine($"--- {container}:\n{await Podman.LogsAsync(container)}");
                await Podman.RemoveAsync(container);
            }

            Directory.Delete(serviceAccount, recursive: true);
        }

        var hostAfter = await HostRules.SaveAsync();
        Assert.Equal(hostBefore, hostAfter);
        Assert.DoesNotContain("NETAVARK", hostAfter, StringComparison.Ordinal);
    }

    /// <summary>The first line from <paramref name="from"/> on that holds <paramref name="text"/>, failing with the log when it never comes.</summary>
    private static async Task<string> WaitForLogAsync(string container, string text, int from = 0)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var logs = await Podman.LogsAsync(container);
            var tail = logs.Length > from ? logs[from..] : "";
            if (tail.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30) || await Podman.InspectAsync(container, "{{.State.Running}}") != "true")
            {
                throw new TimeoutException($"no line with '{text}' from {container}:\n{logs}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The example cluster's Services, EndpointSlices, Nodes and Pods, as kubectl apply would store them.</summary>
    private static IEnumerable<IKubernetesObject<V1ObjectMeta>> ExampleObjects() =>
        Directory.GetFiles(TestPaths.Examples + "/nginx", "*.yaml").Order(StringComparer.Ordinal)
            .SelectMany(f => TestYaml.LoadAll(File.ReadAllText(f)))
            .Where(o => o is V1Service or V1EndpointSlice or V1Node or V1Pod)
            .Cast<IKubernetesObject<V1ObjectMeta>>();
}
