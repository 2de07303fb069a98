using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeProxy.Apply;
using NodeProxy.Health;
using NodeProxy.Net;
using NodeProxy.Sources;
using NodeProxy.Sources.Kubernetes;
using NodeProxy.Sync;

namespace NodeProxy.Commands;

/// <summary>
/// The parts of `nodeproxy run` that the hosted services share: the source, the change tracker,
/// the parts' health, and the kernel side (families, syncer, sync loop), which is put together
/// when the host starts because finding the usable iptables runs commands.
/// </summary>
internal sealed class Agent : IHostedService, IDisposable
{
    private readonly RunSettings settings;
    private readonly HostAddresses? hostAddresses;
    private Syncer? syncer;
    private SyncLoop? loop;

    public Agent(RunSettings settings, ILogger log)
    {
        this.settings = settings;
        Log = log;
        Parts = new PartsHealth(log);
        Deadlines = new CommandDeadlines(settings.CommandTimeout);
        if (settings.Source is { } source)
        {
            Feed = ModelFeed.FromManifests(source, settings.Node, log);
        }
        else
        {
            Api = KubernetesSource.Create(ApiClient.Create(settings.Kubeconfig), settings.Node.NodeName, new InformerOptions(), Changes, log);
            Feed = ModelFeed.FromApi(Api, settings.Node, log);
        }

        // Only ranges need the host's addresses; without them NodePorts match every local address.
        if (!settings.Node.NodePortAddresses.IsEmpty)
        {
            hostAddresses = new HostAddresses();
            Feed.HostAddresses = HostAddresses.Read;
            hostAddresses.Changed += () => Changes.Changed(null);
        }
    }

    public ILogger Log { get; }

    public ChangeTracker Changes { get; } = new(TimeProvider.System);

    public PartsHealth Parts { get; }

    /// <summary>Null when the cluster comes from manifests.</summary>
    public KubernetesSource? Api { get; }

    public ModelFeed Feed { get; }

    public CommandDeadlines Deadlines { get; }

    public IReadOnlyList<IptablesTool> Families { get; private set; } = [];

    public Syncer Syncer => syncer ?? throw new InvalidOperationException("the kernel side is not started");

    public SyncLoop Loop => loop ?? throw new InvalidOperationException("the kernel side is not started");

    /// <exception cref="AgentStartException">Neither iptables nor ip6tables works here.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await StartKernelAsync(cancellationToken);
        loop = new SyncLoop(Feed.Load, Syncer, new SyncLoopOptions
        {
            SyncPeriod = settings.SyncPeriod,
            MinSyncPeriod = settings.MinSyncPeriod,
            FullSyncPeriod = settings.FullSyncPeriod,
        }, TimeProvider.System, Log);
    }

    /// <summary>Finds the usable families, says what the agent runs with, and sets the kernel's sysctls: enough for one sync.</summary>
    public async Task StartKernelAsync(CancellationToken cancel)
    {
        var backend = settings.Backend;
        Families = await UsableFamiliesAsync(backend, Deadlines, Log, cancel);
        if (Families.Count == 0)
        {
            throw new AgentStartException($"neither iptables nor ip6tables ({backend}) works here; is this root, with iptables installed?");
        }

        Log.LogInformation("node {Node}, iptables {Backend}, families {Families}, cluster from {Source}", settings.Node.NodeName, backend.ToString().ToLowerInvariant(),
            string.Join(" and ", Families.Select(f => f.Family == IpFamily.V4 ? "IPv4" : "IPv6")), settings.Source ?? "the Kubernetes API");
        if (!settings.Node.LocalhostNodePorts)
        {
            // The one packet outcome that differs from kube-proxy's defaults: say it where a migrating operator looks.
            Log.LogInformation("NodePorts do not answer on 127.0.0.1 (kube-proxy's iptables mode does by default): --localhost-nodeports, or NODEPROXY_LOCALHOST_NODEPORTS=true, turns that on; it needs route_localnet=1 (see daemonset/README.md)");
        }

        KernelSettings.Apply(settings.Node.LocalhostNodePorts, Log);
        syncer = new Syncer([.. Families.Select(t => new FamilySyncer(t))], new ConntrackTool() { Deadlines = Deadlines }, Log);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => hostAddresses?.Dispose();

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
}

/// <summary>The agent cannot start here; the message says why, in one line.</summary>
internal sealed class AgentStartException(string message) : Exception(message);
