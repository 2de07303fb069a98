using NodeProxy.Sources;
using Xunit;

namespace NodeProxy.Tests.Sources;

/// <summary>Periodic syncs over unchanged manifests must not read them again; any change must be read.</summary>
public sealed class ManifestReloaderTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("nodeproxy-reload-");

    [Fact]
    public void UnchangedFilesGiveTheSameObjectsAndEveryKindOfChangeIsRead()
    {
        var services = Path.Combine(folder.FullName, "services.yaml");
        File.WriteAllText(services, Service("one", "10.96.0.1"));
        var reloader = new ManifestReloader(folder.FullName);

        var first = reloader.Load();
        Assert.Same(first, reloader.Load());

        // Same size, new content: the write time tells.
        File.WriteAllText(services, Service("two", "10.96.0.1"));
        File.SetLastWriteTimeUtc(services, DateTime.UtcNow.AddSeconds(5));
        var edited = reloader.Load();
        Assert.Equal(["two"], edited.Snapshot.Services.Select(s => s.Metadata.Name));

        File.WriteAllText(Path.Combine(folder.FullName, "more.yaml"), Service("three", "10.96.0.3"));
        Assert.Equal(["three", "two"], reloader.Load().Snapshot.Services.Select(s => s.Metadata.Name).Order());

        File.Delete(services);
        Assert.Equal(["three"], reloader.Load().Snapshot.Services.Select(s => s.Metadata.Name));
    }

    [Fact]
    public void ALinkPointedElsewhereIsRead()
    {
        // How a ConfigMap volume publishes new files: the link's target changes, the path stays.
        var v1 = Path.Combine(folder.FullName, ".v1.yaml");
        var v2 = Path.Combine(folder.FullName, ".v2.yaml");
        File.WriteAllText(v1, Service("old", "10.96.0.1"));
        File.WriteAllText(v2, Service("new", "10.96.0.1"));
        File.SetLastWriteTimeUtc(v2, File.GetLastWriteTimeUtc(v1));
        var link = Path.Combine(folder.FullName, "services.yaml");
        File.CreateSymbolicLink(link, v1);
        var reloader = new ManifestReloader(link);
        Assert.Equal(["old"], reloader.Load().Snapshot.Services.Select(s => s.Metadata.Name));

        File.Delete(link);
        File.CreateSymbolicLink(link, v2);

        Assert.Equal(["new"], reloader.Load().Snapshot.Services.Select(s => s.Metadata.Name));
    }

    public void Dispose() => folder.Delete(recursive: true);

    private static string Service(string name, string clusterIP) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: default
        spec:
          clusterIP: {clusterIP}
          ports:
          - port: 80
            protocol: TCP
        """;
}
