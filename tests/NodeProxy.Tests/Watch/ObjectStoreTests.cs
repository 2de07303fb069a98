using k8s;
using k8s.Models;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Sources.Kubernetes;
using Xunit;

namespace NodeProxy.Tests.Watch;

/// <summary>What the stores keep of an object: what the model and validation read, nothing else.</summary>
public sealed class ObjectStoreTests
{
    private static readonly string Big = new('x', 64 * 1024);

    /// <summary>What is kept of the bulky Service "listed": the same whether the store or the list's decoder trimmed it.</summary>
    private const string ListedTrimmed =
        """{"metadata":{"creationTimestamp":"2026-01-02T03:04:05Z","name":"listed","namespace":"default"},"spec":{"clusterIP":"10.96.0.2","clusterIPs":["10.96.0.2"],"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080}],"type":"ClusterIP"}}""";

    [Fact]
    public void AServiceKeepsWhatTheModelReadsAndNoneOfItsBulk()
    {
        var store = new ObjectStore<V1Service>();
        var listed = Bulky(ApiObjects.Service("listed", 1, new Dictionary<string, string> { ["app"] = "web", ["helm.sh/chart"] = Big }));
        var watched = Bulky(ApiObjects.Service("watched", 2));
        watched.Spec.Type = "LoadBalancer";
        watched.Status = new V1ServiceStatus
        {
            LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "203.0.113.7", Hostname = Big, IpMode = "VIP" }] },
            Conditions = [new V1Condition { Type = "Ready", Status = "True", Message = Big, Reason = "Ok", LastTransitionTime = DateTime.UnixEpoch }],
        };

        store.Replace([listed]);
        store.Upsert(watched);

        Assert.Equal(
            ListedTrimmed,
            Stored(store, "listed"));
        Assert.Equal(
            """{"metadata":{"creationTimestamp":"2026-01-02T03:04:05Z","name":"watched","namespace":"default"},"spec":{"clusterIP":"10.96.0.3","clusterIPs":["10.96.0.3"],"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080}],"type":"LoadBalancer"},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7","ipMode":"VIP"}]}}}""",
            Stored(store, "watched"));
    }

    [Fact]
    public async Task AServiceListedFromTheApiServerIsKeptTrimmedAsItIsDecoded()
    {
        await using var server = await FakeApi.FakeApiServer.StartAsync();
        var listed = Bulky(ApiObjects.Service("listed", 1, new Dictionary<string, string> { ["app"] = "web", ["helm.sh/chart"] = Big }));
        server.Apply(listed);
        server.Apply(ApiObjects.Node("node-1", "192.168.0.2"));
        var source = KubernetesSource.Create(server.NewClient(), "node-1", new InformerOptions(), new ChangeTracker(TimeProvider.System), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = source.RunAsync(stop.Token);

        await Poll.UntilAsync(() => source.HasSynced, running);

        Assert.Equal(
            ListedTrimmed,
            KubernetesJson.Serialize(Assert.Single(source.Snapshot()!.Services)));

        // Deleted, it goes as it came: its managedFields (an object on the wire) and all.
        Assert.True(server.Delete<V1Service>("default", "listed"));
        await Poll.UntilAsync(() => source.Snapshot()!.Services.IsEmpty, running);
        await stop.CancelAsync();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public void APodOnThisNodeKeepsItsHostPortsAddressesAndPhaseOnly()
    {
        var store = new ObjectStore<V1Pod>();
        var pod = Bulky(ApiObjects.Pod("web-0", "node-a", "10.244.1.5", hostPort: 8443));
        pod.Spec.Containers.Add(new V1Container
        {
            Name = "sidecar",
            Image = Big,
            Env = [.. Enumerable.Range(0, 200).Select(i => new V1EnvVar { Name = $"VAR_{i}", Value = Big[..100] })],
            Ports = [new V1ContainerPort { ContainerPort = 9090, Name = "metrics" }],
        });
        pod.Spec.Volumes = [new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = Big } }];
        pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True", Message = Big }];
        pod.Status.ContainerStatuses = [new V1ContainerStatus { Name = "c", Image = Big, ImageID = Big, Ready = true, RestartCount = 0 }];

        store.Upsert(pod);

        Assert.Equal(
            """{"metadata":{"creationTimestamp":"2026-01-02T03:04:05Z","name":"web-0","namespace":"default"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"hostPort":8443,"protocol":"TCP"}]}],"nodeName":"node-a"},"status":{"phase":"Running","podIP":"10.244.1.5","podIPs":[{"ip":"10.244.1.5"}]}}""",
            Stored(store, "web-0"));
    }

    [Fact]
    public void OnlyRunningPodsOnThisNodeOffTheHostNetworkGetTheirHostPortsMappedFromTheStore()
    {
        var store = new ObjectStore<V1Pod>();
        var hostNetwork = ApiObjects.Pod("exporter-0", "node-a", "192.168.0.2", hostPort: 9100);
        hostNetwork.Spec.HostNetwork = true;
        var done = ApiObjects.Pod("job-0", "node-a", "10.244.1.6", hostPort: 8080);
        done.Status.Phase = "Succeeded";
        store.Replace([Bulky(ApiObjects.Pod("web-0", "node-a", "10.244.1.5", hostPort: 8443)), hostNetwork, done, ApiObjects.Pod("web-1", "node-b", "10.244.2.5", hostPort: 8443)]);

        var model = ModelBuilder.Build(new ClusterSnapshot([], [], [.. store.Items], []), new NodeConfig("node-a"));

        Assert.Equal(["default/web-0 10.244.1.5:80 <- 8443"], model.V4.HostPorts.Select(m => $"{m.PodRef} {m.PodIP}:{m.ContainerPort} <- {m.HostPort}"));
    }

    [Fact]
    public void AnEndpointSliceKeepsItsServiceLabelPortsAndEndpointsWithoutTargetRefs()
    {
        var store = new ObjectStore<V1EndpointSlice>();
        var slice = Bulky(ApiObjects.Slice("web", "10.244.1.5", "10.244.2.6"));
        slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io";
        foreach (var endpoint in slice.Endpoints)
        {
            endpoint.NodeName = "node-a";
            endpoint.Zone = "zone-1";
            endpoint.TargetRef = new V1ObjectReference { Kind = "Pod", Name = Big, NamespaceProperty = "default", Uid = "2b1e6a4c" };
            endpoint.DeprecatedTopology = new Dictionary<string, string> { ["kubernetes.io/hostname"] = Big };
        }

        store.Upsert(slice);

        Assert.Equal(
            """{"addressType":"IPv4","endpoints":[{"addresses":["10.244.1.5"],"conditions":{"ready":true},"nodeName":"node-a","zone":"zone-1"},{"addresses":["10.244.2.6"],"conditions":{"ready":true},"nodeName":"node-a","zone":"zone-1"}],"metadata":{"creationTimestamp":"2026-01-02T03:04:05Z","labels":{"kubernetes.io/service-name":"web"},"name":"web-abc","namespace":"default"},"ports":[{"name":"http","port":8080,"protocol":"TCP"}]}""",
            Stored(store, "web-abc"));
    }

    [Fact]
    public void ANodeKeepsItsZoneAddressesAndTaintsNotItsImages()
    {
        var store = new ObjectStore<V1Node>();
        var node = Bulky(ApiObjects.Node("node-a", "192.168.0.2"));
        node.Metadata.Labels = new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "zone-1", ["kubernetes.io/os"] = "linux" };
        node.Spec = new V1NodeSpec { PodCIDR = "10.244.1.0/24", Taints = [new V1Taint { Key = "ToBeDeletedByClusterAutoscaler", Effect = "NoSchedule" }] };
        node.Status.Images = [.. Enumerable.Range(0, 50).Select(i => new V1ContainerImage { Names = [$"{Big[..200]}:{i}"], SizeBytes = 1 << 20 })];
        node.Status.Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Message = Big }];

        store.Upsert(node);

        Assert.Equal(
            """{"metadata":{"creationTimestamp":"2026-01-02T03:04:05Z","labels":{"topology.kubernetes.io/zone":"zone-1"},"name":"node-a"},"spec":{"taints":[{"effect":"NoSchedule","key":"ToBeDeletedByClusterAutoscaler"}]},"status":{"addresses":[{"address":"192.168.0.2","type":"InternalIP"}]}}""",
            Stored(store, "node-a"));
    }

    /// <summary>What a real cluster adds to every object, none of which NodeProxy reads.</summary>
    private static T Bulky<T>(T item)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        item.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Apply", FieldsV1 = Big }];
        item.Metadata.Annotations = new Dictionary<string, string>
        {
            ["kubectl.kubernetes.io/last-applied-configuration"] = Big,
            ["service.kubernetes.io/topology-mode"] = "Auto",
        };
        item.Metadata.Uid = "6f1c2a9e-0d4b-4f5e-9a77-1b2c3d4e5f60";
        item.Metadata.ResourceVersion = "12345";
        item.Metadata.CreationTimestamp = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        item.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = Big, Uid = "1" }];
        item.Metadata.Finalizers = ["kubernetes.io/protection"];
        return item;
    }

    private static string Stored<T>(ObjectStore<T> store, string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        KubernetesJson.Serialize(store.Items.Single(i => i.Metadata.Name == name));
}
