using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Sources;

public sealed class ManifestSourceTests
{
    [Fact]
    public void NginxExampleLoadsWhole()
    {
        var load = ManifestSource.Load(SourcePaths.Example("nginx"));

        Assert.Empty(load.Problems);
        var snapshot = load.Snapshot;
        Assert.Equal(["node-1", "node-2", "node-3"], snapshot.Nodes.Select(n => n.Metadata.Name).Order());
        Assert.Equal(4, snapshot.Pods.Length);
        Assert.Contains(snapshot.Pods, p => p.Metadata.Name == "nginx-test" && p.Status.PodIP == "10.244.1.20");
        Assert.Equal(["nginx-port", "nginx-svc"], snapshot.Services.Select(s => s.Metadata.Name).Order());
        Assert.Equal(2, snapshot.EndpointSlices.Length);
        Assert.All(snapshot.EndpointSlices, slice =>
        {
            Assert.Equal(["10.244.1.10", "10.244.2.10", "10.244.3.10"], slice.Endpoints.SelectMany(e => e.Addresses));
            Assert.Equal(80, Assert.Single(slice.Ports).Port);
        });
        Assert.Equal("192.168.56.12", snapshot.FindNode("node-2")?.Status.Addresses.Single(a => a.Type == "InternalIP").Address);
        var nodePort = snapshot.Services.Single(s => s.Metadata.Name == "nginx-port").Spec.Ports.Single();
        Assert.Equal((80, 30000), (nodePort.Port, nodePort.NodePort));
    }

    [Fact]
    public void MalformedDocumentIsReportedAndTheOthersLoad()
    {
        var file = SourcePaths.Fixture("multidoc", "mixed.yaml");

        var load = ManifestSource.Load(file);

        Assert.Equal(["first"], load.Snapshot.Services.Select(s => s.Metadata.Name));
        Assert.Equal(["last"], load.Snapshot.Pods.Select(p => p.Metadata.Name));
        Assert.Equal("10.244.9.9", load.Snapshot.Pods[0].Status.PodIP);
        Assert.Equal(["node-9"], load.Snapshot.Nodes.Select(n => n.Metadata.Name));
        var problem = Assert.Single(load.Problems);
        Assert.Equal(("Manifest", $"{file}#1", "MalformedDocument"), (problem.Kind, problem.Object, problem.Reason));
        // The broken flow sequence opens on line 17 of the file; the parser notices it on line 18.
        Assert.StartsWith("line 18:", problem.Message);
    }

    [Fact]
    public void ValueOfTheWrongTypeIsReportedWithTheParserMessage()
    {
        var file = SourcePaths.Fixture("badvalue", "service.yaml");

        var load = ManifestSource.Load(file);

        Assert.Equal(["good"], load.Snapshot.Services.Select(s => s.Metadata.Name));
        var problem = Assert.Single(load.Problems);
        Assert.Equal($"{file}#1", problem.Object);
        Assert.Contains("eighty", problem.Message);
    }

    [Fact]
    public void ListItemsLoadOneByOne()
    {
        var folder = SourcePaths.Fixture("list");

        var load = ManifestSource.Load(folder);

        Assert.Equal(["listed-svc", "typed-svc"], load.Snapshot.Services.Select(s => s.Metadata.Name));
        Assert.Equal("http", load.Snapshot.Services[0].Spec.Ports.Single().TargetPort.Value);
        Assert.Equal("UDP", load.Snapshot.Services[1].Spec.Ports.Single().Protocol);
        Assert.Equal(["listed-pod"], load.Snapshot.Pods.Select(p => p.Metadata.Name));
        Assert.Equal(["listed-node"], load.Snapshot.Nodes.Select(n => n.Metadata.Name));
        var problem = Assert.Single(load.Problems);
        Assert.Equal($"{Path.Combine(folder, "list.yaml")}#0.items[3]", problem.Object);
        Assert.Equal("MalformedDocument", problem.Reason);
    }

    [Fact]
    public void JsonFilesLoadAndBrokenJsonIsReported()
    {
        var folder = SourcePaths.Fixture("json");

        var load = ManifestSource.Load(folder);

        var service = Assert.Single(load.Snapshot.Services);
        Assert.Equal(("json-svc", "web", "10.96.3.3"), (service.Metadata.Name, service.Metadata.NamespaceProperty, service.Spec.ClusterIP));
        Assert.Equal((443, "8443"), (service.Spec.Ports[0].Port, service.Spec.Ports[0].TargetPort.Value));
        Assert.Equal(["10.244.3.1", "10.244.3.2"], load.Snapshot.Pods.Select(p => p.Status.PodIP));
        var problem = Assert.Single(load.Problems);
        Assert.Equal($"{Path.Combine(folder, "broken.json")}#0", problem.Object);
    }

    [Fact]
    public void FolderIsReadInPathOrder()
    {
        var load = ManifestSource.Load(SourcePaths.Example("nginx"));

        // deployment.yaml sorts before nginx-test-pod.yaml.
        Assert.Equal("nginx-test", load.Snapshot.Pods[^1].Metadata.Name);
    }

    [Fact]
    public void MissingPathIsTheCallersError() =>
        Assert.Throws<FileNotFoundException>(() => ManifestSource.Load(SourcePaths.Fixture("no-such-folder")));
}
