using System.Collections.Concurrent;
using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Apply;

/// <summary>
/// How long an external command (iptables-save, iptables-restore, iptables, conntrack) may run
/// before it is killed, and how many missed their deadline. A hung command would otherwise hold
/// the one sync loop for good; a killed one is a failed sync, which the loop retries.
/// </summary>
/// <param name="timeout">
/// The deadline of a command with little input. What it must cover, at 30k services x 10
/// endpoints on this 2-core machine under load: an iptables-save of the 57 MB tables takes 9.2 s
/// on nft (2.3 s legacy), and one endpoint change 7.4 s on legacy, which rewrites the whole
/// table; the 60 s default leaves 6x that.
/// </param>
public sealed class CommandDeadlines(TimeSpan timeout)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, long> timeouts = new(StringComparer.Ordinal);

    public static CommandDeadlines Default { get; } = new(DefaultTimeout);

    public TimeSpan Timeout => timeout;

    /// <summary>
    /// What a restore gets on top of <see cref="Timeout"/> per MiB of input: its cost grows with
    /// the batch. The 30k cold load (54.5 MiB) took 27.3 s on nft under load (15.6 s quiet),
    /// 10.4 s on legacy, so 0.5 s per MiB; 2 s per MiB gives it 169 s, and a cluster larger than
    /// any measured is not stuck behind a deadline its cold load can never meet.
    /// </summary>
    public TimeSpan PerMebibyte { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Commands killed at their deadline so far, by program name.</summary>
    public IReadOnlyDictionary<string, long> Timeouts => timeouts;

    public TimeSpan For(long inputBytes) => timeout + (PerMebibyte * (inputBytes / (double)(1 << 20)));

    /// <summary>Runs the command; kills it (and every process it started) at the deadline.</summary>
    /// <exception cref="TimeoutException">The deadline passed; the command is no longer running.</exception>
    public async Task<BufferedCommandResult> RunAsync(Command command, string name, long inputBytes, CancellationToken cancel)
    {
        var deadline = For(inputBytes);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        patience.CancelAfter(deadline);
        try
        {
            // CliWrap's cancellation kills the whole process tree, so a wrapper or a child that
            // forked is gone too and cannot hold the output pipes open.
            return await command.ExecuteBufferedAsync(patience.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            timeouts.AddOrUpdate(name, 1, (_, count) => count + 1);
            throw new TimeoutException($"{name} did not finish within {deadline.TotalSeconds:0.#} s and was killed");
        }
    }
}
