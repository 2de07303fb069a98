using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Bench;

/// <summary>What the agent wrote, as iptables-save prints it, one family's text.</summary>
internal sealed record SavedTables(string Family, string Text)
{
    public int Rules => Text.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal));
}

/// <summary>
/// The kernel's own price for the agent's first sync: the rules the agent put in its namespace,
/// as iptables-save prints them, loaded by a plain iptables-restore (the agent's backend, nft)
/// into a fresh namespace in one call per family. The agent's list-to-first-sync is read against it.
/// </summary>
internal static class RestoreAlone
{
    private static readonly string[] Families = ["iptables", "ip6tables"];

    /// <summary>Every table of both families: the agent syncs both, and a fresh namespace has nothing the agent did not write.</summary>
    public static async Task<IReadOnlyList<SavedTables>> SaveAsync(string ns, CancellationToken cancel)
    {
        var saved = new List<SavedTables>();
        foreach (var family in Families)
        {
            var save = await Cli.Wrap("ip").WithArguments(["netns", "exec", ns, $"{family}-nft-save"]).ExecuteBufferedAsync(cancel);
            saved.Add(new SavedTables(family, save.StandardOutput));
        }

        return saved;
    }

    /// <summary>The wall clock around the restores, each as the agent runs its own (ip netns exec, then the tool).</summary>
    public static async Task<TimeSpan> TimeAsync(IReadOnlyList<SavedTables> saved, CancellationToken cancel)
    {
        await using var fresh = await BenchNamespace.CreateAsync();
        var total = TimeSpan.Zero;
        foreach (var tables in saved.Where(t => t.Text.Length > 0))
        {
            var clock = Stopwatch.StartNew();
            var restore = await Cli.Wrap("ip").WithArguments(["netns", "exec", fresh.Name, $"{tables.Family}-nft-restore"])
                .WithStandardInputPipe(PipeSource.FromString(tables.Text))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancel);
            total += clock.Elapsed;
            if (restore.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tables.Family}-nft-restore of the agent's own rules failed ({restore.ExitCode}): {restore.StandardError}");
            }
        }

        return total;
    }
}
