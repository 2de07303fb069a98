using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using Xunit;

namespace NodeProxy.Tests.Deploy;

/// <summary>
/// The deployment files, read from the source tree rather than copied next to the test assembly,
/// so that what is tested is what `kubectl apply -f daemonset/` and `docker build .` would read.
/// </summary>
internal static class DeployFiles
{
    public static string RepoRoot => Path.GetFullPath(Path.Combine(ThisDir(), "..", "..", ".."));

    public static string DaemonSetDir => Path.Combine(RepoRoot, "daemonset");

    public static string Dockerfile => Path.Combine(RepoRoot, "Dockerfile");

    public static string ClusterApis => Path.Combine(RepoRoot, "src", "NodeProxy", "Sources", "Kubernetes", "ClusterApis.cs");

    public static string AgentSources => Path.Combine(RepoRoot, "src", "NodeProxy");

    /// <summary>The *.yaml files kubectl would apply, each with the objects it holds.</summary>
    public static IReadOnlyList<(string File, IReadOnlyList<object> Objects)> LoadManifests() =>
        [.. Directory.GetFiles(DaemonSetDir, "*.yaml").Order(StringComparer.Ordinal)
            .Select(file => (Path.GetFileName(file), (IReadOnlyList<object>)TestYaml.LoadAll(File.ReadAllText(file), strict: true)))];

    public static T Single<T>()
        where T : IKubernetesObject<V1ObjectMeta> => Assert.Single(LoadManifests().SelectMany(m => m.Objects).OfType<T>());

    private static string ThisDir([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
