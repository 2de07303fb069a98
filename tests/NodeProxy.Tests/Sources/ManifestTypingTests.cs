using System.Text;
using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Sources;

/// <summary>Manifests decode as the API server's JSON would: what a user writes in YAML is what the agent programs.</summary>
public sealed class ManifestTypingTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("nodeproxy-manifest-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void TargetPortIsANumberOrANameAsWritten()
    {
        var load = Load("""
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec:
              clusterIP: 10.96.0.10
              publishNotReadyAddresses: true
              ports:
                - {name: a, port: 80, targetPort: 8080}
                - {name: b, port: 81, targetPort: "http"}
                - {name: c, port: 82, targetPort: http}
            """);

        Assert.Empty(load.Problems);
        var service = Assert.Single(load.Snapshot.Services);
        Assert.Equal(["8080", "http", "http"], service.Spec.Ports.Select(p => p.TargetPort.Value));
        Assert.True(service.Spec.PublishNotReadyAddresses);
    }

    [Fact]
    public void WrongTypeIsReportedAtItsLineWithItsValueAndTheOthersLoad()
    {
        var load = Load("""
            apiVersion: v1
            kind: Service
            metadata: {name: fine, namespace: default}
            spec:
              clusterIP: 10.96.0.12
              ports: [{port: 80}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: quoted-bool, namespace: default}
            spec:
              clusterIP: 10.96.0.11
              publishNotReadyAddresses: "true"
            """);

        Assert.Equal(["fine"], load.Snapshot.Services.Select(s => s.Metadata.Name));
        var problem = Assert.Single(load.Problems);
        Assert.Equal(("MalformedDocument", $"{File}#1"), (problem.Reason, problem.Object));
        Assert.StartsWith("line 13: spec.publishNotReadyAddresses 'true': ", problem.Message);
    }

    [Fact]
    public void ListItemErrorPointsIntoTheFile()
    {
        var load = Load("""
            apiVersion: v1
            kind: ServiceList
            items:
              - metadata: {name: good, namespace: default}
                spec: {clusterIP: 10.96.0.13, ports: [{port: 80}]}
              - metadata: {name: bad, namespace: default}
                spec: {clusterIP: 10.96.0.14, ports: [{port: eighty}]}
            """);

        Assert.Equal(["good"], load.Snapshot.Services.Select(s => s.Metadata.Name));
        var problem = Assert.Single(load.Problems);
        Assert.Equal($"{File}#0.items[1]", problem.Object);
        Assert.StartsWith("line 7: items[1].spec.ports[0].port 'eighty': ", problem.Message);
    }

    [Fact]
    public void AliasInOneDocumentCostsOnlyThatDocument()
    {
        var load = Load("""
            apiVersion: v1
            kind: Node
            metadata: {name: node-1}
            ---
            apiVersion: v1
            kind: Service
            metadata: &meta {name: aliased, namespace: default}
            spec: {clusterIP: 10.96.0.15, ports: [{port: 80}], selector: *meta}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: last, namespace: default}
            """);

        Assert.Equal(["node-1"], load.Snapshot.Nodes.Select(n => n.Metadata.Name));
        Assert.Equal(["last"], load.Snapshot.Pods.Select(p => p.Metadata.Name));
        Assert.Empty(load.Snapshot.Services);
        var problem = Assert.Single(load.Problems);
        Assert.Equal(($"{File}#1", "MalformedDocument"), (problem.Object, problem.Reason));
        Assert.StartsWith("line 8: aliases", problem.Message);
    }

    [Fact]
    public void InvalidUtf8IsReplacedAndCostsNothingElse()
    {
        var bytes = Encoding.UTF8.GetBytes("apiVersion: v1\nkind: Node\nmetadata:\n  name: node-1\n  labels: {zone: \"a\u0001\"}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\n");
        bytes[Array.IndexOf(bytes, (byte)1)] = 0xFF;
        System.IO.File.WriteAllBytes(File, bytes);

        var load = ManifestSource.Load(File, trim: false);

        Assert.Empty(load.Problems);
        Assert.Equal("a\uFFFD", Assert.Single(load.Snapshot.Nodes).Metadata.Labels["zone"]);
        Assert.Equal(["p"], load.Snapshot.Pods.Select(p => p.Metadata.Name));
    }

    private string File => Path.Combine(folder, "cluster.yaml");

    private ManifestLoad Load(string yaml)
    {
        System.IO.File.WriteAllText(File, yaml + "\n");
        // Whole objects: what the decoder made of each field, before the store drops what nothing reads.
        return ManifestSource.Load(File, trim: false);
    }
}
