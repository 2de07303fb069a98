using System.Globalization;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Conntrack;
using NodeProxy.Net;

namespace NodeProxy.Apply;

/// <summary>The conntrack tool (conntrack-tools) through CliWrap.</summary>
public sealed partial class ConntrackTool(IReadOnlyList<string>? prefix = null) : IConntrack
{
    /// <summary>When a hung conntrack is killed: a large table takes a while to walk, not minutes.</summary>
    public CommandDeadlines Deadlines { get; init; } = CommandDeadlines.Default;

    public async Task<int> DeleteAsync(StaleFlow flow, CancellationToken cancel = default)
    {
        var args = new List<string> { "-D", "-f", flow.Family == IpFamily.V4 ? "ipv4" : "ipv6", "-p", flow.Protocol.Name() };
        if (flow.Destination is { } destination)
        {
            args.AddRange(["--orig-dst", destination.ToString()]);
        }

        args.AddRange(["--dport", flow.Port.ToString(CultureInfo.InvariantCulture)]);
        if (flow.ReplySource is { } source)
        {
            args.AddRange(["--reply-src", source.ToString()]);
        }

        var all = (prefix ?? []).Concat(["conntrack"]).Concat(args).ToList();
        BufferedCommandResult result;
        try
        {
            result = await Deadlines.RunAsync(Cli.Wrap(all[0]).WithArguments(all.Skip(1)).WithValidation(CommandResultValidation.None), "conntrack", 0, cancel);
        }
        catch (TimeoutException e)
        {
            // The rules are in either way; the caller logs it and a stale flow lingers until it times out.
            throw new IOException(e.Message, e);
        }

        // Exit code 1 with "0 flow entries" only means there was nothing to delete.
        var match = DeletedCount().Match(result.StandardError + result.StandardOutput);
        if (match.Success)
        {
            return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return result.ExitCode == 0 ? 0 : throw new IOException($"conntrack {string.Join(' ', args)} failed ({result.ExitCode}): {result.StandardError.Trim()}");
    }

    [GeneratedRegex(@"(\d+) flow entries have been deleted")]
    private static partial Regex DeletedCount();
}
