using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeProxy.Apply;
using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Sources;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;

namespace NodeProxy.Commands;

/// <summary>`nodeproxy run`: program this network namespace's iptables and keep them in step with the manifests.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var node = new NodeOptions(sourceRequired: false);
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "Kubeconfig file of the cluster to watch (default: $KUBECONFIG, else ~/.kube/config, else the pod's service account)",
        };
        var kernel = new KernelOptions();
        var once = new Option<bool>("--once") { Description = "Sync once and exit: 0 when the rules are in the kernel" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the batch a sync would apply and change nothing" };
        var syncPeriod = Duration("--sync-period", "Longest time between syncs; the canary is checked this often", "30s");
        var minSyncPeriod = Duration("--min-sync-period", "Shortest time between syncs: changes closer than this are applied together", "50ms");
        var fullSyncPeriod = Duration("--full-sync-period", "How often every chain is rewritten from what the kernel holds, repairing drift", "1h");
        var apiStaleAfter = Duration("--api-stale-after", "How long a watched resource may fail to list or watch before /healthz fails", "2m");
        var commandTimeout = Duration("--command-timeout", "Deadline of each iptables and conntrack command (a restore gets 2s more per MiB it writes); a command past it is killed and the sync retried", "60s");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every conntrack deletion and other details" };
        var logFormat = new Option<string>("--log-format") { Description = "simple (default), json or systemd", DefaultValueFactory = _ => "simple" };
        logFormat.AcceptOnlyFromAmong(Logs.Formats);
        var metricsAddress = Address("--metrics-bind-address", "Where Prometheus metrics are served, HOST:PORT", "127.0.0.1:10249");
        var healthAddress = Address("--healthz-bind-address", "Where /healthz and /livez are served, HOST:PORT", "0.0.0.0:10256");
        var command = new Command("run", "Program iptables from the Kubernetes API (or manifests) and keep them in step");
        node.AddTo(command);
        foreach (var option in new Option[] { kubeconfig, kernel.Backend, once, dryRun, syncPeriod, minSyncPeriod, fullSyncPeriod, apiStaleAfter, commandTimeout, metricsAddress, healthAddress, verbose, logFormat })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancel) =>
        {
            var openFiles = Http.OpenFiles.RaiseSoftToHard();
            var settings = new RunSettings(node.ToConfig(result), result.GetValue(node.Source), result.GetValue(kubeconfig), await kernel.ResolveAsync(result, cancel),
                result.GetValue(syncPeriod), result.GetValue(minSyncPeriod), result.GetValue(fullSyncPeriod), result.GetValue(apiStaleAfter), result.GetValue(commandTimeout),
                result.GetValue(metricsAddress)!, result.GetValue(healthAddress)!, openFiles);
            if (result.GetValue(once) || result.GetValue(dryRun))
            {
                using var logs = Logs.Create(result.GetValue(verbose), result.GetValue(logFormat)!);
                return await OneShotAsync(settings, result.GetValue(dryRun), logs.CreateLogger("nodeproxy"), cancel);
            }

            using var host = AgentHost.Build(settings, result.GetValue(verbose), result.GetValue(logFormat)!);
            return await AgentHost.RunAsync(host, cancel);
        });
        return command;
    }

    /// <summary>--once and --dry-run: one sync (or its batch, printed) without the host, then the exit code says how it went.</summary>
    private static async Task<int> OneShotAsync(RunSettings settings, bool dryRun, ILogger log, CancellationToken cancel)
    {
        Agent agent;
        try
        {
            agent = new Agent(settings, log);
        }
        catch (IOException e)
        {
            log.LogError("{Error}", e.Message);
            return 1;
        }

        using var owned = agent;
        if (agent.Api is { } api)
        {
            _ = api.RunAsync(cancel);
            if (!await WaitForListsAsync(api, cancel))
            {
                log.LogError("the API server did not answer every first list within {Seconds} s", (int)FirstListTimeout.TotalSeconds);
                return 1;
            }
        }

        if (dryRun)
        {
            return await DryRunAsync(agent.Feed, settings.Backend);
        }

        try
        {
            await agent.StartKernelAsync(cancel);
        }
        catch (AgentStartException e)
        {
            log.LogError("{Error}", e.Message);
            return 1;
        }

        if (agent.Feed.Load() is not { } model)
        {
            return 1;
        }

        try
        {
            var report = await agent.Syncer.SyncAsync(model, full: false, cancel);
            return report.Succeeded ? 0 : 1;
        }
        catch (IptablesException e)
        {
            // iptables-save failed or was killed at its deadline: nothing was written.
            log.LogError("sync failed: {Error}", e.Message);
            return 1;
        }
    }

    private static readonly TimeSpan FirstListTimeout = TimeSpan.FromSeconds(60);

    private static async Task<bool> WaitForListsAsync(KubernetesSource api, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + FirstListTimeout;
        while (!api.HasSynced && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancel);
        }

        return api.HasSynced;
    }

    private static Option<string> Address(string name, string description, string fallback)
    {
        var option = new Option<string>(name) { Description = $"{description} (default {fallback})", DefaultValueFactory = _ => fallback };
        option.Validators.Add(r =>
        {
            if (!Health.BindAddress.TryParse(r.GetValueOrDefault<string>() ?? "", out _, out _))
            {
                r.AddError($"{name} takes HOST:PORT with an IP address, such as 127.0.0.1:10249 or 0.0.0.0:10256");
            }
        });
        return option;
    }

    private static Option<TimeSpan> Duration(string name, string description, string fallback) => new(name)
    {
        Description = $"{description} (default {fallback})",
        DefaultValueFactory = _ => DurationText.TryParse(fallback, out var d) ? d : TimeSpan.Zero,
        CustomParser = r =>
        {
            if (r.Tokens.Count == 1 && DurationText.TryParse(r.Tokens[0].Value, out var d) && d > TimeSpan.Zero)
            {
                return d;
            }

            r.AddError($"{name} takes a duration such as 500ms, 30s, 1m or 1h");
            return TimeSpan.Zero;
        },
    };

    /// <summary>Reads the kernel where it can (to show the diff), writes nothing.</summary>
    private static async Task<int> DryRunAsync(ModelFeed feed, IptablesBackend backend)
    {
        if (feed.Load() is not { } model)
        {
            return 1;
        }

        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
        {
            var wanted = Renderer.Render(model.For(family));
            KernelTables current;
            try
            {
                current = SaveParser.Parse(await new IptablesTool(family, backend).SaveAsync());
            }
            catch (Exception e) when (e is IptablesException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                Console.Error.WriteLine($"note: cannot read the {family} rules ({e.Message.Split('\n')[0]}); showing the batch for empty tables");
                current = KernelTables.Empty;
            }

            var batch = Differ.Diff(current, wanted);
            Console.Out.Write($"# {(family == IpFamily.V4 ? "iptables" : "ip6tables")}-restore --noflush: {batch.Bytes} bytes, {batch.Lines} lines\n");
            Console.Out.Write(batch.Text);
        }

        return 0;
    }
}
