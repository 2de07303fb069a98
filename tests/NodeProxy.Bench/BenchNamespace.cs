using CliWrap;
using CliWrap.Buffered;

namespace NodeProxy.Bench;

/// <summary>
/// A network namespace made for one measurement and deleted on dispose, also after a failure or
/// Ctrl+C: the benchmark writes tens of thousands of chains and must never do so on the host.
/// </summary>
internal sealed class BenchNamespace : IAsyncDisposable
{
    private BenchNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>
    /// The prefix IptablesTool puts before iptables-save / -restore. iptables-legacy serialises on
    /// the host-wide /run/xtables.lock even across namespaces, and a 10k-service restore holds it
    /// for tens of seconds, starving anyone else's iptables on the machine; so each command gets a
    /// private /run (ip netns exec already runs it in its own mount namespace). The lock only
    /// guards this namespace's tables, which nothing but the benchmark writes.
    /// </summary>
    public IReadOnlyList<string> Prefix => ["ip", "netns", "exec", Name, "sh", "-c", "mount -t tmpfs npbench /run && exec \"$@\"", "sh"];

    public static async Task<BenchNamespace> CreateAsync()
    {
        var name = $"npbench-{Guid.NewGuid().ToString("N")[..10]}";
        await Cli.Wrap("ip").WithArguments(["netns", "add", name]).ExecuteBufferedAsync();
        return new BenchNamespace(name);
    }

    public async ValueTask DisposeAsync() =>
        // Not cancellable: the namespace must go even when the run was interrupted.
        await Cli.Wrap("ip").WithArguments(["netns", "delete", Name]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(CancellationToken.None);
}
