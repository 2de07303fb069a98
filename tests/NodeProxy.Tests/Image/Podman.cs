using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Lab;

namespace NodeProxy.Tests.Image;

/// <summary>podman as this machine needs it; every call names its network, so none uses podman's bridge.</summary>
internal static class Podman
{
    /// <summary>podman's default ulimits exceed this machine's hard limits.</summary>
    public static readonly string[] Limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

    public static async Task<ExecResult> TryAsync(params string[] args)
    {
        // crun refuses this machine's hybrid cgroup layout.
        var result = await Cli.Wrap("podman").WithArguments(["--runtime", "runc", .. args])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        return new ExecResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public static async Task<string> RunAsync(params string[] args)
    {
        var result = await TryAsync(args);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException($"podman {string.Join(' ', args)} failed ({result.ExitCode}): {result.Output.Trim()}");
    }

    public static async Task<bool> ImageExistsAsync(string image) => (await TryAsync("image", "exists", image)).ExitCode == 0;

    /// <summary>
    /// Builds offline from local images only. --network none: podman's default bridge would write
    /// NETAVARK chains into the machine's own nat and filter tables.
    /// </summary>
    public static async Task BuildAsync(string dockerfile, string context, string tag, IReadOnlyDictionary<string, string> buildArgs) =>
        await RunAsync(["build", "--network", "none", "--pull=never", .. Limits, "-f", dockerfile, "-t", tag,
            .. buildArgs.SelectMany(a => new[] { "--build-arg", $"{a.Key}={a.Value}" }), context]);

    /// <summary>Everything the container printed so far, stdout then stderr.</summary>
    public static async Task<string> LogsAsync(string container) => (await TryAsync("logs", container)).Output;

    public static async Task<string> InspectAsync(string container, string format) => (await RunAsync("inspect", "--format", format, container)).Trim();

    /// <summary>Removes the container whatever state it is in; quiet when there is none.</summary>
    public static Task RemoveAsync(string container) => TryAsync("rm", "-f", "-t", "0", container);

    public static Task RemoveImageAsync(string image) => TryAsync("rmi", "-f", image);
}
