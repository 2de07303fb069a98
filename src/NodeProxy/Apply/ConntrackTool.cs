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
        var args = DeleteArgs(flow);
        var result = await RunAsync(args, null, cancel);

        // Exit code 1 with "0 flow entries" only means there was nothing to delete.
        var match = DeletedCount().Match(result.StandardError + result.StandardOutput);
        if (match.Success)
        {
            return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return result.ExitCode == 0 ? 0 : throw new IOException($"conntrack {string.Join(' ', args)} failed ({result.ExitCode}): {result.StandardError.Trim()}");
    }

    /// <summary>The family's entries of one protocol, read in one process.</summary>
    public async Task<IReadOnlyList<ConntrackEntry>> ListAsync(IpFamily family, Protocol protocol, CancellationToken cancel = default)
    {
        string[] args = ["-L", "-f", FamilyName(family), "-p", protocol.Name()];
        var result = await RunAsync(args, null, cancel);
        return result.ExitCode == 0
            ? [.. ConntrackEntry.Parse(result.StandardOutput)]
            : throw new IOException($"conntrack {string.Join(' ', args)} failed ({result.ExitCode}): {result.StandardError.Trim()}");
    }

    /// <summary>
    /// Every flow in one process, as a `conntrack -R` batch of -D lines (conntrack-tools 1.4.7
    /// goes on past a line that matches nothing, and prints each entry it deletes).
    /// </summary>
    /// <returns>How many entries were deleted.</returns>
    public async Task<int> DeleteAllAsync(IReadOnlyCollection<StaleFlow> flows, CancellationToken cancel = default)
    {
        if (flows.Count == 0)
        {
            return 0;
        }

        var batch = string.Concat(flows.Select(f => string.Join(' ', DeleteArgs(f)) + "\n"));
        var result = await RunAsync(["-R", "/dev/stdin"], batch, cancel);
        return result.ExitCode == 0
            ? ConntrackEntry.Parse(result.StandardOutput).Count()
            : throw new IOException($"conntrack -R of {flows.Count} deletions failed ({result.ExitCode}): {result.StandardError.Trim()}");
    }

    private static List<string> DeleteArgs(StaleFlow flow)
    {
        var args = new List<string> { "-D", "-f", FamilyName(flow.Family), "-p", flow.Protocol.Name() };
        if (flow.Destination is { } destination)
        {
            args.AddRange(["--orig-dst", destination.ToString()]);
        }

        args.AddRange(["--dport", flow.Port.ToString(CultureInfo.InvariantCulture)]);
        if (flow.ReplySource is { } source)
        {
            args.AddRange(["--reply-src", source.ToString()]);
        }

        return args;
    }

    private static string FamilyName(IpFamily family) => family == IpFamily.V4 ? "ipv4" : "ipv6";

    private async Task<BufferedCommandResult> RunAsync(IEnumerable<string> args, string? input, CancellationToken cancel)
    {
        var all = (prefix ?? []).Concat(["conntrack"]).Concat(args).ToList();
        var command = Cli.Wrap(all[0]).WithArguments(all.Skip(1)).WithValidation(CommandResultValidation.None);
        if (input is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(input));
        }

        try
        {
            return await Deadlines.RunAsync(command, "conntrack", input?.Length ?? 0, cancel);
        }
        catch (TimeoutException e)
        {
            // The rules are in either way; the caller logs it and a stale flow lingers until it times out.
            throw new IOException(e.Message, e);
        }
    }

    [GeneratedRegex(@"(\d+) flow entries have been deleted")]
    private static partial Regex DeletedCount();
}
