using k8s.Models;
using NodeProxy.Tests.Deploy;
using Xunit;

namespace NodeProxy.Tests.Image;

/// <summary>
/// The image tests' `podman run` is the DaemonSet's container: what they prove holds for the
/// manifest only while the two agree on privileges, filesystem, mounts, env and args.
/// </summary>
public sealed class ContainerAgreesWithManifestTests
{
    private static readonly Dictionary<string, string> Env = DaemonSetContainer.Manifest.Env.ToDictionary(e => e.Name, e => $"value-of-{e.Name}");

    private readonly string[] run = DaemonSetContainer.RunArgs("agent", "localhost/image:tag", ("np-node", "node-1", "192.0.2.1"), "/tmp/sa", Env);

    private static V1Container Agent => DaemonSetContainer.Manifest;

    private static V1PodSpec Pod => DeployFiles.Single<V1DaemonSet>().Spec.Template.Spec;

    [Fact]
    public void SameCapabilities()
    {
        Assert.Equal(Agent.SecurityContext.Capabilities.Drop.Order(StringComparer.Ordinal), Values("--cap-drop").Order(StringComparer.Ordinal));
        Assert.Equal(Agent.SecurityContext.Capabilities.Add.Order(StringComparer.Ordinal), Values("--cap-add").Order(StringComparer.Ordinal));
        Assert.DoesNotContain(run, a => a.StartsWith("--privileged", StringComparison.Ordinal));
        Assert.NotEqual(true, Agent.SecurityContext.Privileged);
    }

    [Fact]
    public void SameFilesystemAndSeccomp()
    {
        Assert.Equal(Agent.SecurityContext.ReadOnlyRootFilesystem == true, run.Contains("--read-only"));
        // The kubelet adds no writable tmpfs to a read-only root; podman would, unless told not to.
        Assert.Contains("--read-only-tmpfs=false", run);
        Assert.Equal(Agent.SecurityContext.AllowPrivilegeEscalation == false, Values("--security-opt").Contains("no-new-privileges"));
        // podman's default profile is its RuntimeDefault; only an explicit option could weaken it.
        Assert.Equal("RuntimeDefault", Agent.SecurityContext.SeccompProfile?.Type);
        Assert.DoesNotContain(Values("--security-opt"), o => o.StartsWith("seccomp", StringComparison.Ordinal));
    }

    [Fact]
    public void SameMounts()
    {
        var volumes = Values("--volume").Select(v => v.Split(':')).ToDictionary(p => p[1], p => (Host: p[0], ReadOnly: p.Length > 2 && p[2] == "ro"));
        var expected = Agent.VolumeMounts.ToDictionary(m => m.MountPath, m => (Host: Pod.Volumes.Single(v => v.Name == m.Name).HostPath.Path, ReadOnly: m.ReadOnlyProperty == true));

        // Besides the manifest's mounts, the one the kubelet adds to every pod with a service account.
        Assert.NotEqual(false, Pod.AutomountServiceAccountToken);
        Assert.Equal(("/tmp/sa", true), volumes[DaemonSetContainer.ServiceAccountDir]);
        volumes.Remove(DaemonSetContainer.ServiceAccountDir);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), volumes.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void SameEnvAndArgsInTheNodesNetwork()
    {
        Assert.Equal(Agent.Env.Select(e => e.Name).Order(StringComparer.Ordinal), Values("--env").Select(e => e.Split('=')[0]).Order(StringComparer.Ordinal));
        Assert.True(Pod.HostNetwork);
        Assert.Equal("ns:/var/run/netns/np-node", Assert.Single(Values("--network")));
        var afterImage = run[(Array.IndexOf(run, "localhost/image:tag") + 1)..];
        Assert.Equal(Agent.Args.Select(a => a.Replace("$(NODE_NAME)", Env["NODE_NAME"], StringComparison.Ordinal)
            .Replace("$(CLUSTER_CIDR)", Env["CLUSTER_CIDR"], StringComparison.Ordinal).Replace("$(IPTABLES_BACKEND)", Env["IPTABLES_BACKEND"], StringComparison.Ordinal)), afterImage);
    }

    /// <summary>Every value of an option given as "--option value".</summary>
    private List<string> Values(string option) => [.. run.Select((a, i) => (a, i)).Where(p => p.a == option).Select(p => run[p.i + 1])];
}
