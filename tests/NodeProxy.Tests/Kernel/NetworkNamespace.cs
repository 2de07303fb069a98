using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Tests.Kernel;

/// <summary>
/// A network namespace made for one test and deleted when it is disposed, also when the test
/// fails: nothing a test does may touch the machine's own namespace.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        RequireRoot();
        var name = $"np-test-{Guid.NewGuid().ToString("N")[..10]}";
        await Cli.Wrap("ip").WithArguments(["netns", "add", name]).ExecuteBufferedAsync();
        return new NetworkNamespace(name);
    }

    /// <summary>Runs a command inside the namespace; throws with its output when it fails.</summary>
    public async Task<string> RunAsync(string program, IEnumerable<string> args, string? stdin = null)
    {
        var command = Cli.Wrap("ip").WithArguments(["netns", "exec", Name, program, .. args]).WithValidation(CommandResultValidation.None);
        if (stdin is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(stdin));
        }

        var result = await command.ExecuteBufferedAsync();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({result.ExitCode}): {result.StandardError}{result.StandardOutput}");
        }

        return result.StandardOutput;
    }

    public async ValueTask DisposeAsync() =>
        await Cli.Wrap("ip").WithArguments(["netns", "delete", Name]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

    private static void RequireRoot()
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("kernel tests need root to create network namespaces: run them as root (CI does)");
        }
    }
}
