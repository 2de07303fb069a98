using System.CommandLine;
using NodeProxy.Apply;
using NodeProxy.Net;
using NodeProxy.Sync;

namespace NodeProxy.Commands;

/// <summary>`nodeproxy cleanup`: undo what `run` did, in both backends, as kube-proxy --cleanup does.</summary>
internal static class CleanupCommand
{
    public static Command Create()
    {
        var backend = new Option<string>("--iptables-backend")
        {
            Description = "nft, legacy, or all (default): where to remove NodeProxy's rules from",
            DefaultValueFactory = _ => "all",
        };
        backend.AcceptOnlyFromAmong("all", "nft", "legacy");
        var command = new Command("cleanup", "Remove every chain and jump rule NodeProxy owns, and nothing else");
        command.Options.Add(backend);
        command.SetAction(async (result, cancel) =>
        {
            var backends = result.GetValue(backend) switch
            {
                "nft" => [IptablesBackend.Nft],
                "legacy" => [IptablesBackend.Legacy],
                _ => new[] { IptablesBackend.Nft, IptablesBackend.Legacy },
            };
            var failed = false;
            foreach (var b in backends)
            {
                foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
                {
                    var name = $"{(family == IpFamily.V4 ? "iptables" : "ip6tables")}-{b.ToString().ToLowerInvariant()}";
                    try
                    {
                        var batch = await Cleanup.RunAsync(new IptablesTool(family, b), cancel);
                        Console.Out.WriteLine(batch.IsEmpty
                            ? $"{name}: nothing of NodeProxy's"
                            : $"{name}: removed {batch.ChainsDeleted} chains and {batch.RulesEdited} jump rules");
                    }
                    catch (Exception e) when (e is IptablesException or System.ComponentModel.Win32Exception or InvalidOperationException)
                    {
                        // A backend this machine lacks holds nothing to clean; a refused batch does, and a hung command may.
                        failed |= e is IptablesException { Batch.Length: > 0 } or IptablesException { TimedOut: true };
                        Console.Error.WriteLine($"{name}: {e.Message.Split('\n')[0]}");
                    }
                }
            }

            return failed ? 1 : 0;
        });
        return command;
    }
}
