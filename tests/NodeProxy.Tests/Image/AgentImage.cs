using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Tests.Deploy;
using Xunit;

namespace NodeProxy.Tests.Image;

/// <summary>
/// The real image, built the way an operator would (publish, then build the Dockerfile), once for
/// every test in the collection, on the cached stand-in base. Removed afterwards; the base stays.
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
            var baseImage = await StandInBase.EnsureAsync(Log.Add);
            // As the README tells an operator, into the folder the Dockerfile copies from; built
            // in a folder of its own, so the source tree's bin and obj (which the tests run from) stay as they are.
            var publish = await Cli.Wrap(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
                .WithArguments(["publish", Path.Combine(DeployFiles.RepoRoot, "src", "NodeProxy"), "-c", "Release", "-r", "linux-x64", "--self-contained",
                    "-o", Path.Combine(context, "out", "linux-x64"), "--artifacts-path", Path.Combine(context, "artifacts"), "--disable-build-servers", "-nodeReuse:false"])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            if (publish.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}):\n{publish.StandardOutput}{publish.StandardError}");
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
}

[CollectionDefinition(Name)]
public sealed class ImageCollection : ICollectionFixture<AgentImage>
{
    public const string Name = "image";
}
