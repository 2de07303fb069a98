using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Lab;

/// <summary>Runs the ip, sysctl and other tools the lab is built with, always inside a lab namespace.</summary>
internal static class Shell
{
    public static async Task<ExecResult> TryRunAsync(string program, IEnumerable<string> args, string? stdin = null)
    {
        var command = Cli.Wrap(program).WithArguments(args).WithValidation(CommandResultValidation.None);
        if (stdin is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(stdin));
        }

        var result = await command.ExecuteBufferedAsync();
        return new ExecResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public static async Task<string> RunAsync(string program, IEnumerable<string> args, string? stdin = null)
    {
        var list = args.ToList();
        var result = await TryRunAsync(program, list, stdin);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException(
                $"{program} {string.Join(' ', list)} failed ({result.ExitCode}): {result.StandardError.Trim()}{result.StandardOutput.Trim()}"
                + (stdin is null ? "" : $"\ninput:\n{stdin}"));
    }

    public static Task<ExecResult> TryExecInAsync(string netns, string program, IEnumerable<string> args) =>
        TryRunAsync("ip", ["netns", "exec", netns, program, .. args]);

    public static Task<string> ExecInAsync(string netns, string program, IEnumerable<string> args) =>
        RunAsync("ip", ["netns", "exec", netns, program, .. args]);

    /// <summary>Several ip commands in one process; ip stops at the first that fails and names its line.</summary>
    public static Task IpAsync(string netns, params string[] lines) =>
        RunAsync("ip", ["-n", netns, "-batch", "-"], string.Join('\n', lines) + "\n");

    public static Task SysctlAsync(string netns, params string[] settings) =>
        ExecInAsync(netns, "sysctl", ["-q", "-w", .. settings]);
}
