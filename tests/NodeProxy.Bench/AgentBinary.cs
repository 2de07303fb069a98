using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Bench;

/// <summary>
/// The agent as the image ships it: the Dockerfile's `dotnet publish ... --self-contained` output,
/// published once per benchmark run into a folder of its own and run as its `nodeproxy`
/// executable. Whatever that command yields (a JIT apphost beside nodeproxy.dll, or a NativeAOT
/// binary alone) is what gets measured.
/// </summary>
internal sealed class AgentBinary : IDisposable
{
    private readonly string folder;

    private AgentBinary(string folder) => this.folder = folder;

    public string Executable => Path.Combine(folder, "nodeproxy");

    /// <summary>A NativeAOT publish has no nodeproxy.dll beside the executable; a JIT one runs it.</summary>
    public bool NativeAot => !File.Exists(Path.Combine(folder, "nodeproxy.dll"));

    public string Description =>
        $"`nodeproxy` from `dotnet publish src/NodeProxy -c Release -r linux-x64 --self-contained`: "
        + $"{(NativeAot ? "NativeAOT" : "JIT (apphost + nodeproxy.dll)")}, executable {Mib(new FileInfo(Executable).Length)}, "
        + $"published folder {Mib(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length))}";

    public static async Task<AgentBinary> PublishAsync(CancellationToken cancel)
    {
        var folder = Directory.CreateTempSubdirectory("nodeproxy-published-").FullName;
        try
        {
            var project = Path.Combine(RepoRoot(), "src", "NodeProxy");
            var publish = await Cli.Wrap(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
                .WithArguments(["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", folder])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancel);
            if (publish.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}):\n{publish.StandardOutput}{publish.StandardError}");
            }

            var binary = new AgentBinary(folder);
            return File.Exists(binary.Executable) ? binary : throw new FileNotFoundException("dotnet publish made no nodeproxy executable", binary.Executable);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string Mib(long bytes) => $"{bytes / 1048576.0:F1} MiB";

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
