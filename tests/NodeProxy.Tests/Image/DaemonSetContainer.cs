using System.Text.RegularExpressions;
using k8s.Models;
using NodeProxy.Tests.Deploy;

namespace NodeProxy.Tests.Image;

/// <summary>
/// `podman run` of the image as daemonset/daemonset.yaml runs it on a node: in the node's network
/// namespace, with the container's securityContext and mounts, the service-account files the
/// kubelet projects, and the manifest's own args with its $(VAR) references expanded.
/// ContainerAgreesWithManifestTests holds these flags against the manifest.
/// </summary>
internal static partial class DaemonSetContainer
{
    /// <summary>Where the kubelet projects the service account's token, ca.crt and namespace.</summary>
    public const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    public static V1Container Manifest => DeployFiles.Single<V1DaemonSet>().Spec.Template.Spec.Containers.Single();

    /// <param name="env">A value for each env var the manifest sets (the downward API's and the ConfigMap's).</param>
    /// <param name="serviceAccount">A folder with token, ca.crt and namespace.</param>
    public static string[] RunArgs(string name, string image, (string Netns, string Name, string Ip) node, string serviceAccount, IReadOnlyDictionary<string, string> env, params string[] extraArgs) =>
    [
        "run", "--detach", "--name", name, .. Podman.Limits,
        "--network", $"ns:/var/run/netns/{node.Netns}",
        // A hostNetwork pod has the node's name and /etc/hosts, where a node names itself. The
        // agent's HttpListener looks its own host name up: unresolved, that costs 12 s of DNS timeouts.
        "--hostname", node.Name, "--add-host", $"{node.Name}:{node.Ip}",
        .. Security(Capabilities),
        XtablesLock[0], XtablesLock[1],
        "--volume", $"{serviceAccount}:{ServiceAccountDir}:ro",
        .. env.SelectMany(e => new[] { "--env", $"{e.Key}={e.Value}" }),
        image, .. Expand(Manifest.Args, env), .. extraArgs,
    ];

    /// <summary>What the securityContext adds to what ALL dropped.</summary>
    public static readonly string[] Capabilities = ["NET_ADMIN", "NET_RAW"];

    /// <summary>The node's lock, shared as the hostPath volume shares it.</summary>
    public static readonly string[] XtablesLock = ["--volume", "/run/xtables.lock:/run/xtables.lock"];

    /// <summary>The securityContext, with these capabilities added (a test may try fewer).</summary>
    public static string[] Security(IEnumerable<string> capabilities) =>
    [
        "--cap-drop", "ALL", .. capabilities.SelectMany(c => new[] { "--cap-add", c }),
        "--security-opt", "no-new-privileges",
        // A read-only root as the kubelet makes it, without the tmpfs podman would add on /tmp and /run.
        "--read-only", "--read-only-tmpfs=false",
    ];

    /// <summary>The kubelet's $(VAR) expansion of args.</summary>
    public static IEnumerable<string> Expand(IEnumerable<string> args, IReadOnlyDictionary<string, string> env) =>
        args.Select(a => EnvReference().Replace(a, m => env.TryGetValue(m.Groups["name"].Value, out var value) ? value : m.Value));

    [GeneratedRegex(@"\$\((?<name>[A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex EnvReference();
}
