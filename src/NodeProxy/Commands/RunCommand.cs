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
            using var logs = Logs.Create(result.GetValue(verbose), result.GetValue(logFormat)!);
            var log = logs.CreateLogger("nodeproxy");
            var openFiles = Http.OpenFiles.RaiseSoftToHard();
            var config = node.ToConfig(result);
            using var stop = new StopSignals(cancel);
            var changes = new ChangeTracker(TimeProvider.System);
            var parts = new Health.PartsHealth(log);
            var source = result.GetValue(node.Source);
            ModelFeed feed;
            IReadOnlyList<IInformerStats> informerStats = [];
            if (source is not null)
            {
                feed = ModelFeed.FromManifests(source, config, log);
            }
            else
            {
                k8s.Kubernetes client;
                try
                {
                    client = ApiClient.Create(result.GetValue(kubeconfig));
                }
                catch (IOException e)
                {
                    log.LogError("{Error}", e.Message);
                    return 1;
                }

                var api = KubernetesSource.Create(client, config.NodeName, new InformerOptions(), changes, log);
                foreach (var (name, informer) in api.Start(stop.Token))
                {
                    parts.Watch($"the {name} informer", informer, stop.Token);
                }

                informerStats = api.Informers;
                feed = ModelFeed.FromApi(api, config, log);
                if ((result.GetValue(once) || result.GetValue(dryRun)) && !await WaitForListsAsync(api, stop.Token))
                {
                    log.LogError("the API server did not answer every first list within {Seconds} s", (int)FirstListTimeout.TotalSeconds);
                    return 1;
                }
            }

            // Only ranges need the host's addresses; without them NodePorts match every local address.
            using var hostAddresses = config.NodePortAddresses.IsEmpty ? null : new HostAddresses();
            if (hostAddresses is not null)
            {
                feed.HostAddresses = HostAddresses.Read;
                hostAddresses.Changed += () => changes.Changed(null);
            }

            var backend = await kernel.ResolveAsync(result, cancel);
            if (result.GetValue(dryRun))
            {
                return await DryRunAsync(feed, backend);
            }

            var deadlines = new CommandDeadlines(result.GetValue(commandTimeout));
            var families = await UsableFamiliesAsync(backend, deadlines, log, cancel);
            if (families.Count == 0)
            {
                log.LogError("neither iptables nor ip6tables ({Backend}) works here; is this root, with iptables installed?", backend);
                return 1;
            }

            log.LogInformation("node {Node}, iptables {Backend}, families {Families}, cluster from {Source}", config.NodeName, backend.ToString().ToLowerInvariant(),
                string.Join(" and ", families.Select(f => f.Family == IpFamily.V4 ? "IPv4" : "IPv6")), source ?? "the Kubernetes API");
            if (!config.LocalhostNodePorts)
            {
                // The one packet outcome that differs from kube-proxy's defaults: say it where a migrating operator looks.
                log.LogInformation("NodePorts do not answer on 127.0.0.1 (kube-proxy's iptables mode does by default): --localhost-nodeports, or NODEPROXY_LOCALHOST_NODEPORTS=true, turns that on; it needs route_localnet=1 (see daemonset/README.md)");
            }

            KernelSettings.Apply(config.LocalhostNodePorts, log);
            var syncer = new Syncer([.. families.Select(t => new FamilySyncer(t))], new ConntrackTool() { Deadlines = deadlines }, log);
            if (result.GetValue(once))
            {
                if (feed.Load() is not { } model)
                {
                    return 1;
                }

                try
                {
                    var report = await syncer.SyncAsync(model, full: false, cancel);
                    return report.Succeeded ? 0 : 1;
                }
                catch (IptablesException e)
                {
                    // iptables-save failed or was killed at its deadline: nothing was written.
                    log.LogError("sync failed: {Error}", e.Message);
                    return 1;
                }
            }

            var loop = new SyncLoop(feed.Load, syncer, new SyncLoopOptions
            {
                SyncPeriod = result.GetValue(syncPeriod),
                MinSyncPeriod = result.GetValue(minSyncPeriod),
                FullSyncPeriod = result.GetValue(fullSyncPeriod),
            }, TimeProvider.System, log);
            using var observability = new Observability(
                new ObservabilitySettings(config.NodeName, result.GetValue(metricsAddress)!, result.GetValue(healthAddress)!, result.GetValue(syncPeriod), result.GetValue(apiStaleAfter), openFiles) { Deadlines = deadlines },
                loop, syncer, families, changes, feed, informerStats, parts, logs, log, stop.Token);
            changes.Dirty += loop.Trigger;
            using var watcher = source is null ? null : new ManifestWatcher(source, () => changes.Changed(null));
            var syncing = loop.RunAsync(stop.Token);
            parts.Watch("the sync loop", syncing, stop.Token);
            try
            {
                await syncing;
            }
            catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
            {
            }
            catch (Exception) when (!stop.Token.IsCancellationRequested)
            {
                // PartsHealth has logged it; /livez fails until the kubelet restarts the agent,
                // and the rules stay as they are meanwhile.
                await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            // The rules stay: a restarting agent adopts them, and traffic flows meanwhile.
            log.LogInformation("stopped; the rules stay in the kernel (nodeproxy cleanup removes them)");
            return 0;
        });
        return command;
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

    /// <summary>A family whose tools cannot even list rules (no IPv6 in this kernel) is left out, loudly.</summary>
    private static async Task<List<IptablesTool>> UsableFamiliesAsync(IptablesBackend backend, CommandDeadlines deadlines, ILogger log, CancellationToken cancel)
    {
        var usable = new List<IptablesTool>();
        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
        {
            var tool = new IptablesTool(family, backend) { Deadlines = deadlines };
            try
            {
                // One built-in chain, not a whole save: the first sync reads everything anyway.
                if (await tool.ChainExistsAsync("filter", "INPUT", cancel))
                {
                    usable.Add(tool);
                }
                else
                {
                    log.LogWarning("{Family} is left out: its iptables ({Backend}) cannot list the filter table", family, backend);
                }
            }
            catch (Exception e) when (e is IptablesException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.LogWarning("{Family} is left out: {Error}", family, e.Message);
            }
        }

        return usable;
    }

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
