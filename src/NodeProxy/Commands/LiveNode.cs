using System.Collections.Concurrent;
using System.Net;
using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Apply;
using NodeProxy.Net;
using NodeProxy.Trace.Live;

namespace NodeProxy.Commands;

/// <summary>
/// What the node the command runs on holds right now: its tables with counters (on the backend
/// in use), its local addresses and its routing decisions, each read through CliWrap.
/// </summary>
internal sealed class LiveNode(IptablesBackend backend)
{
    private readonly ConcurrentDictionary<RouteQuery, Route> routes = new();

    public IptablesBackend Backend => backend;

    public async Task<LiveTables> TablesAsync(IpFamily family, CancellationToken cancel = default) =>
        LiveTables.Parse(await new IptablesTool(family, backend).SaveWithCountersAsync(cancel), family);

    /// <summary>Every address on every interface ("ip -o addr show"): what "-m addrtype LOCAL" calls local.</summary>
    public static async Task<HashSet<IPAddress>> LocalAddressesAsync(CancellationToken cancel = default)
    {
        var result = await IpAsync(["-o", "addr", "show"], cancel);
        var addresses = new HashSet<IPAddress>();
        foreach (var line in result.StandardOutput.Split('\n'))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var at = Array.FindIndex(words, w => w is "inet" or "inet6");
            if (at >= 0 && at + 1 < words.Length && IpText.TryParseAddress(words[at + 1].Split('/')[0], out var address))
            {
                addresses.Add(address);
            }
        }

        return addresses;
    }

    /// <summary>"ip route get", answered once per question; the tracer asks from its synchronous walk.</summary>
    public Route Route(RouteQuery query) => routes.GetOrAdd(query, q => RouteAsync(q).GetAwaiter().GetResult());

    private static async Task<Route> RouteAsync(RouteQuery query)
    {
        List<string> args = ["route", "get", IpText.Format(query.Destination)];
        if (query.InInterface is { } device)
        {
            args.AddRange(["from", IpText.Format(query.Source), "iif", device]);
        }

        var result = await IpAsync(args, CancellationToken.None);
        var text = $"ip {string.Join(' ', args)}: {(result.ExitCode == 0 ? result.StandardOutput : result.StandardError).Split('\n')[0].Trim()}";
        if (result.ExitCode != 0)
        {
            return new Route(RouteKind.Unreachable, null, text);
        }

        var words = result.StandardOutput.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var dev = Array.IndexOf(words, "dev") is var at and >= 0 && at + 1 < words.Length ? words[at + 1] : null;
        return words.FirstOrDefault() switch
        {
            "local" => new Route(RouteKind.Local, dev, text),
            "unreachable" or "blackhole" or "prohibit" or "throw" => new Route(RouteKind.Unreachable, null, text),
            _ => new Route(RouteKind.Out, dev, text),
        };
    }

    /// <summary>`ip` under the same deadline as every other tool the agent runs: a hung one must not hang the command.</summary>
    private static Task<BufferedCommandResult> IpAsync(IEnumerable<string> args, CancellationToken cancel) =>
        CommandDeadlines.Default.RunAsync(Cli.Wrap("ip").WithArguments(args).WithValidation(CommandResultValidation.None), "ip", 0, cancel);
}
