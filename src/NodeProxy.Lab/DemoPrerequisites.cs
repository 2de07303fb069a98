using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Lab;

/// <summary>What the demo needs from the machine: root, and Debian's iproute2, iptables and curl.</summary>
internal static class DemoPrerequisites
{
    private static readonly (string Command, string Package)[] Tools =
        [("ip", "iproute2"), ("iptables-nft-restore", "iptables"), ("iptables-legacy-restore", "iptables"), ("curl", "curl"), ("conntrack", "conntrack")];

    public static async Task<string?> EnsureAsync()
    {
        if (LibC.geteuid() != 0)
        {
            return "the demo creates network namespaces and programs iptables in them: run it as root (sudo)";
        }

        var missing = Tools.Where(t => !OnPath(t.Command)).Select(t => t.Package).Distinct().ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        Console.WriteLine($"installing {string.Join(", ", missing)} from Debian's packages ...");
        var update = await Cli.Wrap("apt-get").WithArguments(["update", "-qq"]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        var install = await Cli.Wrap("apt-get").WithArguments(["install", "-y", "-qq", .. missing])
            .WithEnvironmentVariables(e => e.Set("DEBIAN_FRONTEND", "noninteractive"))
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        return update.ExitCode == 0 && install.ExitCode == 0
            ? null
            : $"could not install {string.Join(", ", missing)}: {install.StandardError.Trim()}{update.StandardError.Trim()}";
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':')
            .Append("/usr/sbin").Append("/sbin")
            .Any(dir => File.Exists(Path.Combine(dir, command)));
}
