using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Tests.Image;

/// <summary>
/// The machine's own iptables, read (never written) on both backends, so a test can show that
/// podman and the image left them alone.
/// </summary>
internal static partial class HostRules
{
    public static async Task<string> SaveAsync()
    {
        var text = "";
        foreach (var tool in new[] { "iptables-nft-save", "iptables-legacy-save" })
        {
            var saved = await Cli.Wrap(tool).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            text += $"{tool}:\n{saved.StandardOutput}";
        }

        // Comments carry the time; counters move with the machine's own traffic.
        return Counters().Replace(string.Join('\n', text.Split('\n').Where(l => !l.StartsWith('#'))), "");
    }

    [GeneratedRegex(@"\[\d+:\d+\]")]
    private static partial Regex Counters();
}
