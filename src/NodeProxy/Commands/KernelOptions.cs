using System.CommandLine;
using NodeProxy.Apply;

namespace NodeProxy.Commands;

/// <summary>Which iptables the commands that touch the kernel use.</summary>
internal sealed class KernelOptions
{
    public Option<string> Backend { get; } = new("--iptables-backend")
    {
        Description = "nft, legacy, or auto: the one that already holds rules, as kube-proxy's iptables-wrapper decides",
        DefaultValueFactory = _ => "auto",
    };

    public KernelOptions() => Backend.AcceptOnlyFromAmong("auto", "nft", "legacy");

    public async Task<IptablesBackend> ResolveAsync(ParseResult result, CancellationToken cancel) => result.GetValue(Backend) switch
    {
        "nft" => IptablesBackend.Nft,
        "legacy" => IptablesBackend.Legacy,
        _ => await BackendDetector.DetectAsync(null, cancel),
    };
}
