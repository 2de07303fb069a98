using CliWrap;
using CliWrap.Buffered;
using NodeProxy.Net;
using NodeProxy.Sync;

namespace NodeProxy.Apply;

/// <summary>
/// iptables-save / iptables-restore of one family and backend, run through CliWrap. A command
/// prefix (for example "ip netns exec NAME") lets tests run it inside a namespace they made.
/// </summary>
public sealed class IptablesTool(IpFamily family, IptablesBackend backend, IReadOnlyList<string>? prefix = null) : IRuleTables
{
    /// <summary>How long restore waits for the xtables lock before it gives up.</summary>
    public int LockWaitSeconds { get; init; } = 5;

    /// <summary>When a hung save, restore or probe is killed (see <see cref="CommandDeadlines"/>).</summary>
    public CommandDeadlines Deadlines { get; init; } = CommandDeadlines.Default;

    public IpFamily Family => family;

    public IptablesBackend Backend => backend;

    /// <summary>
    /// iptables-nft commits each COMMIT as its own nf_tables transaction, and a transaction naming
    /// fewer chains resolves its rules faster (measured: a 10k-service cold load, no affinity,
    /// fell from 24 s in one transaction to 4.7 s in chunks of 50). iptables-legacy replaces the
    /// whole table per COMMIT, so there one COMMIT is cheapest.
    /// </summary>
    public int? StagingLimit { get; init; } = backend == IptablesBackend.Nft ? DefaultNftStagingLimit : null;

    public const int DefaultNftStagingLimit = 50;

    /// <summary>
    /// iptables-nft-restore spends a cold load in user space, one core per process, and staged
    /// transactions are independent within a wave: two restores side by side loaded a 10k-service
    /// batch's staged chains in 1.3 s where one took 2.2 s (2 cores; see docs/benchmarks.md). On
    /// legacy each COMMIT replaces the whole table, so there is nothing to share out.
    /// </summary>
    public int RestoreLanes { get; init; } = backend == IptablesBackend.Nft ? DefaultNftLanes : 1;

    /// <summary>One lane a core, at most 4 (more than 2 was not measured: the test machine has 2).</summary>
    public static int DefaultNftLanes => Math.Clamp(Environment.ProcessorCount, 1, 4);

    public Task<string> SaveAsync(CancellationToken cancel = default) => SaveAsync([], cancel);

    /// <summary>Every table with each rule's and policy's packet and byte counters ("-c"), for `trace --live`.</summary>
    public Task<string> SaveWithCountersAsync(CancellationToken cancel = default) => SaveAsync(["-c"], cancel);

    private async Task<string> SaveAsync(string[] args, CancellationToken cancel)
    {
        var result = await RunAsync(Command("save", args), "save", "", cancel);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new IptablesException($"{Name("save")} failed ({result.ExitCode}): {result.StandardError.Trim()}", "");
    }

    /// <summary>Applies a --noflush batch; on failure nothing of the refused COMMIT is applied.</summary>
    public async Task RestoreAsync(string batch, CancellationToken cancel = default)
    {
        var result = await RunAsync(Command("restore", ["--noflush", "--wait", Seconds]).WithStandardInputPipe(PipeSource.FromString(batch)), "restore", batch, cancel);
        if (result.ExitCode != 0)
        {
            throw new IptablesException($"{Name("restore")} failed ({result.ExitCode}): {result.StandardError.Trim()}", batch);
        }
    }

    /// <summary>
    /// Applies a --noflush batch written to the tool's input piece by piece, so a cold load's
    /// batch is never built whole; on failure nothing of the refused COMMIT is applied.
    /// </summary>
    public async Task RestoreAsync(RestoreInput batch, CancellationToken cancel = default)
    {
        var input = PipeSource.Create(async (stdin, token) =>
        {
            // Rule lines come as ~100-byte slices: gathered, they cost a pipe write per 64 KiB.
            var buffered = new BufferedStream(stdin, 1 << 16);
            foreach (var chunk in batch.Chunks())
            {
                await buffered.WriteAsync(chunk, token);
            }

            await buffered.FlushAsync(token);
        });
        var command = Command("restore", ["--noflush", "--wait", Seconds]).WithStandardInputPipe(input);
        BufferedCommandResult result;
        try
        {
            result = await Deadlines.RunAsync(command, Name("restore"), batch.Bytes, cancel);
        }
        catch (TimeoutException e)
        {
            throw new IptablesException(e.Message, batch.Text()) { TimedOut = true };
        }

        if (result.ExitCode != 0)
        {
            throw new IptablesException($"{Name("restore")} failed ({result.ExitCode}): {result.StandardError.Trim()}", batch.Text());
        }
    }

    /// <summary>Cheap enough to run every sync period: lists one (empty) chain, not the table.</summary>
    public async Task<bool> ChainExistsAsync(string table, string chain, CancellationToken cancel = default)
    {
        var result = await RunAsync(Command("", ["-w", Seconds, "-t", table, "-S", chain]), "", "", cancel);
        return result.ExitCode == 0;
    }

    /// <summary>One chain with exact packet and byte counters (`-L CHAIN -n -v -x`), for the metrics kube-proxy takes from nfacct.</summary>
    public async Task<string> ListChainAsync(string table, string chain, CancellationToken cancel = default)
    {
        var result = await RunAsync(Command("", ["-w", Seconds, "-t", table, "-L", chain, "-n", "-v", "-x"]), "", "", cancel);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new IptablesException($"{Name("")} -t {table} -L {chain} failed ({result.ExitCode}): {result.StandardError.Trim()}", "");
    }

    private async Task<BufferedCommandResult> RunAsync(Command command, string verb, string batch, CancellationToken cancel)
    {
        try
        {
            return await Deadlines.RunAsync(command, Name(verb), batch.Length, cancel);
        }
        catch (TimeoutException e)
        {
            throw new IptablesException(e.Message, batch) { TimedOut = true };
        }
    }

    private string Seconds => LockWaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Command Command(string verb, string[] args)
    {
        var all = (prefix ?? []).Concat([Name(verb)]).Concat(args).ToList();
        return Cli.Wrap(all[0]).WithArguments(all.Skip(1)).WithValidation(CommandResultValidation.None);
    }

    /// <summary>iptables-nft-save, ip6tables-legacy-restore, iptables-nft (verb ""), ...</summary>
    private string Name(string verb) =>
        $"{(family == IpFamily.V4 ? "iptables" : "ip6tables")}-{(backend == IptablesBackend.Nft ? "nft" : "legacy")}{(verb.Length > 0 ? "-" + verb : "")}";
}
