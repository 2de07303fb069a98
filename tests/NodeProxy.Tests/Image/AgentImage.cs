using NodeProxy.Tests.Deploy;
using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("NodeProxy.Tests.Image.ImageCollectionFirst", "NodeProxy.Tests")]

namespace NodeProxy.Tests.Image;

/// <summary>
/// The real image, built the way an operator would (publish, then build the Dockerfile), once for
/// every test in the collection, on the cached stand-in base from the cached published agent.
/// Removed afterwards; the base and the published agent stay.
/// </summary>
public sealed class AgentImage : IAsyncLifetime
{
    public string Tag { get; } = $"localhost/nodeproxy-test:{Guid.NewGuid():N}"[..44];

    public List<string> Log { get; } = [];

    /// <summary>The machine's own iptables before the base and the image were made, and after.</summary>
    public (string Before, string After) HostRules { get; private set; }

    public async Task InitializeAsync()
    {
        var context = Directory.CreateTempSubdirectory("nodeproxy-image-").FullName;
        var before = await Image.HostRules.SaveAsync();
        try
        {
            // Side by side on a machine that has neither: debootstrap mostly waits on the disk,
            // the NativeAOT publish mostly computes.
            var basing = StandInBase.EnsureAsync(Add);
            var published = await PublishedAgent.EnsureAsync(Add);
            var baseImage = await basing;
            // Into the folder the Dockerfile copies from, as the README tells an operator.
            var output = Directory.CreateDirectory(Path.Combine(context, "out", "linux-x64")).FullName;
            foreach (var file in Directory.EnumerateFiles(published))
            {
                File.Copy(file, Path.Combine(output, Path.GetFileName(file)));
            }

            File.Copy(Path.Combine(DeployFiles.RepoRoot, ".dockerignore"), Path.Combine(context, ".dockerignore"));
            await Podman.BuildAsync(DeployFiles.Dockerfile, context, Tag, new Dictionary<string, string> { ["BASE_IMAGE"] = baseImage });
            HostRules = (before, await Image.HostRules.SaveAsync());
        }
        catch
        {
            await Podman.RemoveImageAsync(Tag);
            throw;
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    public async Task DisposeAsync() => await Podman.RemoveImageAsync(Tag);

    private void Add(string line)
    {
        lock (Log)
        {
            Log.Add(line);
        }
    }
}

/// <summary>
/// The image collection first: its fixture publishes the agent with NativeAOT (minutes of CPU on a
/// machine without the cached binary), which then overlaps the rest of the suite, most of which
/// waits on namespaces and processes, instead of running alone at whatever point it was reached.
/// </summary>
public sealed class ImageCollectionFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => c.DisplayName == ImageCollection.Name ? 0 : 1);
}

[CollectionDefinition(Name)]
public sealed class ImageCollection : ICollectionFixture<AgentImage>
{
    public const string Name = "image";
}
