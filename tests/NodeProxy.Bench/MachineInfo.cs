using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Bench;

/// <summary>What the numbers were measured on; they mean little without it.</summary>
internal sealed record MachineInfo(int Cpus, string Kernel, string IptablesNft, string IptablesLegacy, string Memory)
{
    public static async Task<MachineInfo> ReadAsync() => new(
        Environment.ProcessorCount,
        await OutputAsync("uname", "-r"),
        await OutputAsync("iptables-nft", "--version"),
        await OutputAsync("iptables-legacy", "--version"),
        File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown");

    private static async Task<string> OutputAsync(string program, string arg)
    {
        var result = await Cli.Wrap(program).WithArguments([arg]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        return result.ExitCode == 0 ? result.StandardOutput.Trim() : $"({program} {arg} failed)";
    }

    /// <summary>Other work on the machine skews wall times; the report says how busy it was.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
