using System.Text.RegularExpressions;
using k8s.Models;
using Xunit;

namespace NodeProxy.Tests.Deploy;

public sealed partial class DaemonSetManifestTests
{
    private readonly V1DaemonSet daemonSet = DeployFiles.Single<V1DaemonSet>();

    private V1PodSpec Pod => daemonSet.Spec.Template.Spec;

    private V1Container Agent => Assert.Single(Pod.Containers);

    [Fact]
    public void RunsInTheNodesNetworkOnEveryNode()
    {
        Assert.True(Pod.HostNetwork);
        // With hostNetwork, ClusterFirst would quietly fall back to the node's resolver.
        Assert.Equal("ClusterFirstWithHostNet", Pod.DnsPolicy);
        Assert.Equal("system-node-critical", Pod.PriorityClassName);
        Assert.Contains(Pod.Tolerations, t => t.OperatorProperty == "Exists" && t.Key is null && t.Effect is null);
    }

    [Fact]
    public void TheAgentStopsWithinTheGracePeriodSoTheKubeletNeverKillsIt()
    {
        var grace = TimeSpan.FromSeconds(Assert.IsType<long>(Pod.TerminationGracePeriodSeconds));
        Assert.True(NodeProxy.Commands.AgentHost.ShutdownTimeout < grace, $"shutdown timeout {NodeProxy.Commands.AgentHost.ShutdownTimeout} is not inside the grace period {grace}");
    }

    [Fact]
    public void SelectorMatchesThePodTemplate()
    {
        Assert.All(daemonSet.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, daemonSet.Spec.Template.Metadata.Labels[label.Key]));
        Assert.NotEmpty(daemonSet.Spec.Selector.MatchLabels);
    }

    [Fact]
    public void RunsAsTheServiceAccount() =>
        Assert.Equal(DeployFiles.Single<V1ServiceAccount>().Metadata.Name, Pod.ServiceAccountName);

    [Fact]
    public void DropsEveryCapabilityButNetAdminAndNetRaw()
    {
        var security = Agent.SecurityContext;

        Assert.NotEqual(true, security.Privileged);
        Assert.Equal(false, security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal(["NET_ADMIN", "NET_RAW"], security.Capabilities.Add.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RunsOnAReadOnlyRootUnderTheRuntimesSeccompProfile()
    {
        var security = Agent.SecurityContext;

        Assert.True(security.ReadOnlyRootFilesystem);
        // Set on the container or inherited from the pod; never Unconfined.
        Assert.Equal("RuntimeDefault", (security.SeccompProfile ?? Pod.SecurityContext?.SeccompProfile)?.Type);
    }

    [Fact]
    public void MountsOnlyTheXtablesLock()
    {
        var lockMount = Assert.Single(Agent.VolumeMounts);

        Assert.Equal("/run/xtables.lock", lockMount.MountPath);
        Assert.NotEqual(true, lockMount.ReadOnlyProperty);
        Assert.Equal(("/run/xtables.lock", "FileOrCreate"), HostPath(lockMount.Name));
    }

    [Fact]
    public void NamesThisReleasesImageNotLatest()
    {
        var version = System.Xml.Linq.XDocument.Load(Path.Combine(DeployFiles.AgentSources, "NodeProxy.csproj")).Descendants("Version").Single().Value;

        Assert.Matches(@"^\d+\.\d+\.\d+$", version);
        Assert.EndsWith($":v{version}", Agent.Image, StringComparison.Ordinal);
    }

    [Fact]
    public void NodeNameComesFromTheDownwardApi()
    {
        var nodeName = Assert.Single(Agent.Env, e => e.Name == "NODE_NAME");

        Assert.Equal("spec.nodeName", nodeName.ValueFrom?.FieldRef?.FieldPath);
        // The agent reads $NODE_NAME itself; a --node-name flag must not say anything else.
        if (FlagValue("--node-name") is { } flag)
        {
            Assert.Equal("$(NODE_NAME)", flag);
        }
    }

    [Fact]
    public void RunsAgainstTheApiWithMetricsOnLoopbackAndHealthOnTheNode()
    {
        // args replace the image's CMD ["run"], so they must name the command themselves.
        Assert.Equal("run", Agent.Args.First());
        Assert.DoesNotContain(Agent.Args, a => a == "--source" || a.StartsWith("--source=", StringComparison.Ordinal));
        // The agent's default, 127.0.0.1:10249: exposing metrics is the operator's choice.
        Assert.Equal("127.0.0.1:10249", FlagValue("--metrics-bind-address") ?? "127.0.0.1:10249");
        // The kubelet probes the node's address.
        Assert.Equal("0.0.0.0:10256", FlagValue("--healthz-bind-address"));
    }

    [Fact]
    public void PortsAndProbesMatchTheAgentsEndpoints()
    {
        Assert.Equal(10256, Assert.Single(Agent.Ports).ContainerPort);
        Assert.Equal(("/livez", 10256), Probe(Agent.LivenessProbe));
        Assert.Equal(("/healthz", 10256), Probe(Agent.ReadinessProbe));
    }

    [Fact]
    public void TheConfigMapsCommentedLocalhostNodePortsKeyTurnsTheFlagOn()
    {
        var env = Assert.Single(Agent.Env, e => e.Name == "NODEPROXY_LOCALHOST_NODEPORTS");
        Assert.Equal(("localhost-nodeports", true), (env.ValueFrom.ConfigMapKeyRef.Key, env.ValueFrom.ConfigMapKeyRef.Optional == true));
        var configMap = File.ReadAllText(Path.Combine(DeployFiles.DaemonSetDir, "configmap.yaml"));
        Assert.Contains("  # localhost-nodeports: \"true\"\n", configMap, StringComparison.Ordinal);
        Assert.True(TestPipeline.ParseFlags("--node-name n --localhost-nodeports true").LocalhostNodePorts);
    }

    [Fact]
    public void RequestsResources()
    {
        Assert.True(Agent.Resources.Requests.ContainsKey("cpu"));
        Assert.True(Agent.Resources.Requests.ContainsKey("memory"));
    }

    [Fact]
    public void MemoryLimitCoversTheMeasuredColdLoadPeakAt10kServices()
    {
        // docs/benchmarks.md: up to 193 MiB during a 10k-service cold load (the NativeAOT image).
        // Below that the kubelet would kill the agent on every start of a node in such a cluster.
        const long measuredPeak = 193L << 20;
        var request = Agent.Resources.Requests["memory"].ToInt64();
        var limit = Agent.Resources.Limits["memory"].ToInt64();

        Assert.True(limit >= measuredPeak * 5 / 4, $"limit {limit >> 20} MiB leaves under 25% over the measured peak");
        Assert.InRange(request, 128L << 20, limit);
    }

    [Fact]
    public void UpdatesOneNodeAtATime()
    {
        Assert.Equal("RollingUpdate", daemonSet.Spec.UpdateStrategy.Type);
        Assert.Equal("1", daemonSet.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable?.Value);
    }

    [Fact]
    public void ConfigMapSettingsReachTheFlagsTheyAreNamedFor()
    {
        var configMap = DeployFiles.Single<V1ConfigMap>();
        var fromConfig = Agent.Env.Where(e => e.ValueFrom?.ConfigMapKeyRef is not null).ToDictionary(e => e.Name, e => e.ValueFrom.ConfigMapKeyRef);

        Assert.All(fromConfig.Values, r => Assert.Equal(configMap.Metadata.Name, r.Name));
        // A required key the ConfigMap lacks would keep the pod from starting.
        Assert.All(fromConfig.Values.Where(r => r.Optional != true), r => Assert.Contains(r.Key, configMap.Data.Keys));
        Assert.All(configMap.Data.Keys, key => Assert.Contains(fromConfig.Values, r => r.Key == key));
        for (var i = 0; i + 1 < Agent.Args.Count; i++)
        {
            if (Agent.Args[i].StartsWith("--", StringComparison.Ordinal) && EnvReference().Match(Agent.Args[i + 1]) is { Success: true } reference
                && fromConfig.TryGetValue(reference.Groups["name"].Value, out var key))
            {
                Assert.Equal(Agent.Args[i][2..], key.Key);
            }
        }

        Assert.Equal("$(CLUSTER_CIDR)", FlagValue("--cluster-cidr"));
        Assert.Equal("$(IPTABLES_BACKEND)", FlagValue("--iptables-backend"));
    }

    [Fact]
    public void ArgsReferOnlyToDefinedEnv()
    {
        var defined = Agent.Env.Select(e => e.Name).ToHashSet();

        // The kubelet leaves an undefined $(NAME) as it is, so the flag would get the literal text.
        Assert.All(Agent.Args.SelectMany(a => EnvReference().Matches(a)), m => Assert.Contains(m.Groups["name"].Value, defined));
    }

    /// <summary>The value of a flag in the container's args, as "--flag value" or "--flag=value".</summary>
    private string? FlagValue(string flag)
    {
        var args = Agent.Args;
        var at = args.IndexOf(flag);
        return at >= 0 && at + 1 < args.Count ? args[at + 1]
            : args.FirstOrDefault(a => a.StartsWith(flag + "=", StringComparison.Ordinal))?[(flag.Length + 1)..];
    }

    private (string Path, string? Type) HostPath(string volume)
    {
        var hostPath = Assert.Single(Pod.Volumes, v => v.Name == volume).HostPath;
        Assert.NotNull(hostPath);
        return (hostPath.Path, hostPath.Type);
    }

    /// <summary>An HTTP probe's path and port, a named port resolved through the container's ports.</summary>
    private (string Path, int Port) Probe(V1Probe? probe)
    {
        var get = probe?.HttpGet;
        Assert.NotNull(get);
        var port = int.TryParse(get.Port.Value, out var number) ? number : Assert.Single(Agent.Ports, p => p.Name == get.Port.Value).ContainerPort;
        return (get.Path, port);
    }

    [GeneratedRegex(@"\$\((?<name>[A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex EnvReference();
}
