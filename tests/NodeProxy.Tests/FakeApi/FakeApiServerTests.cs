using System.Net;
using k8s;
using k8s.Autorest;
using k8s.ClientSets;
using k8s.Models;
using NodeProxy.Sources.Kubernetes;
using Xunit;

namespace NodeProxy.Tests.FakeApi;

/// <summary>
/// The fake API server against the real KubernetesClient (lists) and the agent's own watch request
/// and decoder (the client's AOT flavour has no watch), pinning down what each failure looks like,
/// since the informers must react to exactly that.
/// </summary>
public sealed class FakeApiServerTests : IAsyncLifetime
{
    FakeApiServer server = null!;
    Kubernetes client = null!;
    ClientSet api = null!;

    public async Task InitializeAsync()
    {
        server = await FakeApiServer.StartAsync();
        client = server.NewClient();
        api = new ClientSet(client);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task ListReturnsWhatMatchesAtTheCurrentResourceVersion()
    {
        server.Apply(Service("web"));
        server.Apply(Service("other-proxy", new() { ["service.kubernetes.io/service-proxy-name"] = "other" }));
        server.ApplyMany([Pod("a", "node-1"), Pod("b", "node-2"), Node("node-1"), Node("node-2")]);

        var all = await api.CoreV1.Service.ListAsync(resourceVersion: "0");
        var ours = await api.CoreV1.Service.ListAsync(labelSelector: "!service.kubernetes.io/service-proxy-name");
        var pods = await api.CoreV1.Pod.ListAsync(fieldSelector: "spec.nodeName=node-1");
        var nodes = await api.CoreV1.Node.ListAsync(fieldSelector: "metadata.name=node-2");
        var slices = await api.DiscoveryV1.EndpointSlice.ListAsync();

        Assert.Equal("6", all.Metadata.ResourceVersion);
        Assert.Equal(["other-proxy", "web"], all.Items.Select(s => s.Metadata.Name));
        Assert.Equal("1", all.Items.Single(s => s.Metadata.Name == "web").Metadata.ResourceVersion);
        Assert.All(all.Items, s => Assert.Equal(("Service", "v1"), (s.Kind, s.ApiVersion)));
        Assert.Equal(["web"], ours.Items.Select(s => s.Metadata.Name));
        Assert.Equal(["a"], pods.Items.Select(p => p.Metadata.Name));
        Assert.Equal(["node-2"], nodes.Items.Select(n => n.Metadata.Name));
        Assert.Empty(slices.Items);
        Assert.Equal(3, server.Requests.Lists(ResourceType.Services.Path) + server.Requests.Lists(ResourceType.Pods.Path));
        Assert.Equal("0", server.Requests.All[0].Parameter("resourceVersion"));
    }

    [Fact]
    public async Task EveryObjectGoesOutWithTheManagedFieldsARealServerRecords()
    {
        server.Apply(Service("web", new() { ["tier"] = "front" }));
        await using var watch = WatchServices(server.ResourceVersion, bookmarks: false);
        server.Apply(Service("late"));
        var given = Service("own");
        given.Metadata.ManagedFields = [new() { Manager = "helm", Operation = "Apply", FieldsType = "FieldsV1", FieldsV1 = System.Text.Json.JsonDocument.Parse("""{"f:spec":{}}""").RootElement }];
        server.Apply(given);

        using var http = new HttpClient();
        var list = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(server.BaseAddress + "/api/v1/services"))!;
        var web = list["items"]!.AsArray().Single(i => (string?)i!["metadata"]!["name"] == "web")!;
        var entry = web["metadata"]!["managedFields"]!.AsArray().Single()!;
        var late = await watch.NextAsync();

        Assert.Equal(("Update", "FieldsV1", "v1"), ((string?)entry["operation"], (string?)entry["fieldsType"], (string?)entry["apiVersion"]));
        Assert.NotNull(entry["fieldsV1"]!["f:metadata"]!["f:labels"]!["f:tier"]);
        Assert.NotNull(entry["fieldsV1"]!["f:spec"]!["f:ports"]);
        Assert.Null(entry["fieldsV1"]!["f:metadata"]!["f:resourceVersion"]);
        Assert.NotNull(Assert.Single(late.Item!.Object!.Metadata.ManagedFields).FieldsV1);
        var own = (await api.CoreV1.Service.ListAsync()).Items.Single(i => i.Metadata.Name == "own");
        Assert.Equal("helm", Assert.Single(own.Metadata.ManagedFields).Manager);
    }

    [Fact]
    public async Task WatchFromTheListStreamsLaterChangesAndBookmarks()
    {
        server.Apply(Service("web"));
        var listed = await api.CoreV1.Service.ListAsync();
        server.Apply(Service("late"));
        await using var watch = WatchServices(listed.Metadata.ResourceVersion, bookmarks: true);

        server.Apply(Service("web", new() { ["tier"] = "front" }));
        server.Delete<V1Service>("default", "late");

        var added = await watch.NextAsync();
        var modified = await watch.NextAsync();
        var deleted = await watch.NextAsync();
        server.SendBookmarks();
        var bookmark = await watch.NextAsync();

        Assert.Equal((WatchEventType.Added, "late", "2"), (added.Type, added.Item!.Object!.Metadata.Name, added.Item.Object.Metadata.ResourceVersion));
        Assert.Equal((WatchEventType.Modified, "front"), (modified.Type, modified.Item!.Object!.Metadata.Labels["tier"]));
        Assert.Equal((WatchEventType.Deleted, "late", "4"), (deleted.Type, deleted.Item!.Object!.Metadata.Name, deleted.Item.Object.Metadata.ResourceVersion));
        Assert.Equal((WatchEventType.Bookmark, "4"), (bookmark.Type, bookmark.Ref.ResourceVersion));
        Assert.Equal("true", server.Requests.All[^1].Parameter("allowWatchBookmarks"));
    }

    [Fact]
    public async Task WatchWithoutResourceVersionStartsWithEverythingAdded()
    {
        server.ApplyMany([Service("a"), Service("b")]);
        await using var watch = WatchServices(resourceVersion: null);

        Assert.Equal([(WatchEventType.Added, "a"), (WatchEventType.Added, "b")],
            [Named(await watch.NextAsync()), Named(await watch.NextAsync())]);
        server.Apply(Service("c"));
        Assert.Equal((WatchEventType.Added, "c"), Named(await watch.NextAsync()));
    }

    /// <summary>
    /// The ERROR event carries the Status (Code 410, Reason "Expired"), and the stream then ends
    /// normally. An informer must therefore look for that event to know it has to list again; a
    /// normal end alone means only "watch again from the last resourceVersion".
    /// </summary>
    [Fact]
    public async Task WatchFromACompactedResourceVersionGets410ThroughOnError()
    {
        server.Apply(Service("web"));
        var listed = await api.CoreV1.Service.ListAsync();
        server.ExpireHistory();

        await using var watch = WatchServices(listed.Metadata.ResourceVersion);

        var expired = await watch.NextAsync();
        Assert.Null(await watch.EndAsync());
        Assert.Equal(WatchEventType.Error, expired.Type);
        Assert.Equal((410, "Expired", "too old resource version: 1 (2)"), (expired.Status!.Code, expired.Status.Reason, expired.Status.Message));
    }

    [Fact]
    public async Task CompactionMidWatchEndsTheWatchWith410ThroughOnError()
    {
        await using var watch = WatchServices(server.ResourceVersion);
        server.Apply(Service("web"));
        await watch.NextAsync();

        server.ExpireHistory();

        var expired = await watch.NextAsync();
        Assert.Null(await watch.EndAsync());
        Assert.Equal((WatchEventType.Error, 410), (expired.Type, expired.Status?.Code));
        Assert.Equal(0, server.OpenWatchCount);
    }

    /// <summary>A cut connection surfaces as an IOException while reading, whether or not an event came first.</summary>
    [Fact]
    public async Task DisconnectMakesTheWatchThrowIOException()
    {
        await using var quiet = WatchServices(server.ResourceVersion, labelSelector: "app=none");
        await using var talking = WatchServices(server.ResourceVersion);
        server.Apply(Service("web"));
        await talking.NextAsync();
        await WaitForOpenWatches(2);

        server.DisconnectWatches();

        Assert.IsAssignableFrom<IOException>(await talking.EndAsync());
        Assert.IsAssignableFrom<IOException>(await quiet.EndAsync());
    }

    /// <summary>timeoutSeconds ends the stream cleanly, with or without events before.</summary>
    [Fact]
    public async Task WatchTimeoutEndsTheStreamNormally()
    {
        await using var talking = WatchServices(server.ResourceVersion, timeoutSeconds: 1);
        await using var quiet = WatchServices(server.ResourceVersion, timeoutSeconds: 1, labelSelector: "app=none");
        await WaitForOpenWatches(2);
        server.Apply(Service("web"));
        await talking.NextAsync();

        Assert.Null(await talking.EndAsync());
        Assert.Null(await quiet.EndAsync());
    }

    /// <summary>A failed list throws k8s.Autorest.HttpOperationException with the status and the V1Status body; a failed watch ApiStatusException with the status.</summary>
    [Fact]
    public async Task InjectedFailuresThrowHttpOperationException()
    {
        server.FailRequests(2);

        var list = await Assert.ThrowsAsync<HttpOperationException>(() => api.CoreV1.Service.ListAsync());
        await using var watch = WatchServices(resourceVersion: null);
        var watchFailure = Assert.IsType<ApiStatusException>(await watch.EndAsync());
        server.SetAvailable(false);
        var down = await Assert.ThrowsAsync<HttpOperationException>(() => api.CoreV1.Node.ListAsync());
        server.SetAvailable(true);

        Assert.Equal(HttpStatusCode.InternalServerError, list.Response.StatusCode);
        Assert.Contains("\"reason\":\"InternalError\"", list.Response.Content);
        Assert.Equal((500, "InternalError"), (watchFailure.Code, watchFailure.Reason));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Response.StatusCode);
        Assert.Empty((await api.CoreV1.Service.ListAsync()).Items);
    }

    /// <summary>A stalled server sends nothing; only the client's own cancellation gets it out, as TaskCanceledException.</summary>
    [Fact]
    public async Task StalledServerNeedsTheClientsCancellation()
    {
        server.Stall(true);
        server.Apply(Service("web"));
        using var listPatience = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = WatchServices(resourceVersion: "0");
        var cancel = Task.Delay(300).ContinueWith(_ => watch.DisposeAsync().AsTask()).Unwrap();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => api.CoreV1.Service.ListAsync(cancellationToken: listPatience.Token));
        await cancel;
        Assert.IsAssignableFrom<OperationCanceledException>(await watch.Ended);

        server.Stall(false);
        await using var after = WatchServices(resourceVersion: "0");
        Assert.Equal((WatchEventType.Added, "web"), Named(await after.NextAsync()));
    }

    WatchRecorder<V1Service> WatchServices(string? resourceVersion, bool bookmarks = false, int? timeoutSeconds = null, string? labelSelector = null)
    {
        var query = new List<string> { "watch=true" };
        if (resourceVersion is not null)
            query.Add($"resourceVersion={resourceVersion}");
        if (bookmarks)
            query.Add("allowWatchBookmarks=true");
        if (timeoutSeconds is not null)
            query.Add($"timeoutSeconds={timeoutSeconds}");
        if (labelSelector is not null)
            query.Add($"labelSelector={Uri.EscapeDataString(labelSelector)}");
        return WatchRecorder<V1Service>.Start(new ApiTransport(client), $"/api/v1/services?{string.Join('&', query)}");
    }

    async Task WaitForOpenWatches(int count)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (server.OpenWatchCount < count)
            await Task.Delay(10, patience.Token);
    }

    static (WatchEventType, string?) Named(WatchEvent<V1Service> e) => (e.Type, e.Item?.Object?.Metadata.Name);

    static V1Service Service(string name, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new() { Name = name, NamespaceProperty = "default", Labels = labels },
        Spec = new() { ClusterIP = "10.96.0.10", Ports = [new() { Port = 80 }] },
    };

    static V1Pod Pod(string name, string node) => new()
    {
        Metadata = new() { Name = name, NamespaceProperty = "default" },
        Spec = new() { NodeName = node, Containers = [new() { Name = "c" }] },
    };

    static V1Node Node(string name) => new() { Metadata = new() { Name = name } };
}
