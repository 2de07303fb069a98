using System.Security.Cryptography;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Tests.Deploy;

namespace NodeProxy.Tests.Image;

/// <summary>
/// The agent as the image ships it: `dotnet publish src/NodeProxy -c Release -r linux-x64`, a
/// NativeAOT binary. Compiling it takes 2-8 minutes on a loaded two-core machine, so the output is
/// kept under a name keyed by a hash of everything the publish reads (the agent's sources and
/// project, the build props, the SDK): a run that changed none of them reuses the last binary,
/// and any change publishes afresh.
/// </summary>
internal static class PublishedAgent
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "nodeproxy-published-agent");

    /// <summary>Entries older than this are removed (other branches' or old sources' binaries).</summary>
    private static readonly TimeSpan Keep = TimeSpan.FromDays(2);

    private static readonly SemaphoreSlim Gate = new(1, 1);

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>The folder holding the published agent (nodeproxy and its .dbg symbols).</summary>
    public static async Task<string> EnsureAsync(Action<string> log)
    {
        await Gate.WaitAsync();
        try
        {
            var folder = Path.Combine(Cache, await InputsHashAsync());
            if (File.Exists(Path.Combine(folder, "nodeproxy")))
            {
                log($"reusing the published agent in {folder}");
                return folder;
            }

            Prune();
            var work = Path.Combine(Cache, $"tmp-{Guid.NewGuid():N}");
            try
            {
                log($"publishing the agent (NativeAOT) for {folder}");
                // As the README tells an operator; built in a folder of its own, so the source
                // tree's bin and obj (which the tests run from) stay as they are.
                var publish = await Cli.Wrap(Dotnet)
                    .WithArguments(["publish", Path.Combine(DeployFiles.RepoRoot, "src", "NodeProxy"), "-c", "Release", "-r", "linux-x64",
                        "-o", Path.Combine(work, "out"), "--artifacts-path", Path.Combine(work, "artifacts"), "--disable-build-servers", "-nodeReuse:false"])
                    .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
                if (publish.ExitCode != 0)
                {
                    throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}):\n{publish.StandardOutput}{publish.StandardError}");
                }

                // Whole or not at all: a run killed mid-publish leaves only a tmp- folder.
                Directory.Move(Path.Combine(work, "out"), folder);
                return folder;
            }
            finally
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Every file the publish compiles or configures from, by path and content, and the SDK's version.</summary>
    private static async Task<string> InputsHashAsync()
    {
        var sdk = await Cli.Wrap(Dotnet).WithArguments(["--version"]).ExecuteBufferedAsync();
        var root = DeployFiles.RepoRoot;
        var agent = Path.Combine(root, "src", "NodeProxy");
        var files = Directory.EnumerateFiles(agent, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(agent, f).Split(Path.DirectorySeparatorChar)[0].Equals("bin", StringComparison.Ordinal)
                && !Path.GetRelativePath(agent, f).Split(Path.DirectorySeparatorChar)[0].Equals("obj", StringComparison.Ordinal))
            .Append(Path.Combine(root, "Directory.Build.props"))
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(sdk.StandardOutput.Trim() + "\n"));
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(root, file) + "\n"));
            hash.AppendData(await File.ReadAllBytesAsync(file));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static void Prune()
    {
        if (!Directory.Exists(Cache))
        {
            Directory.CreateDirectory(Cache);
            return;
        }

        foreach (var old in Directory.EnumerateDirectories(Cache).Where(d => DateTime.UtcNow - Directory.GetLastWriteTimeUtc(d) > Keep))
        {
            Directory.Delete(old, recursive: true);
        }
    }
}
