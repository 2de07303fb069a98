using k8s;
using k8s.Exceptions;

namespace NodeProxy.Commands;

/// <summary>Where the API server is: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else in-cluster.</summary>
internal static class ApiClient
{
    /// <exception cref="IOException">No usable configuration; the message says what was tried.</exception>
    public static Kubernetes Create(string? kubeconfig)
    {
        try
        {
            var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
            var file = kubeconfig
                ?? (Environment.GetEnvironmentVariable("KUBECONFIG") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists)
                ?? (File.Exists(home) ? home : null);
            var config = file is not null ? KubernetesClientConfiguration.BuildConfigFromConfigFile(file)
                : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
                : throw new KubeConfigException("no kubeconfig found and not running in a pod");
            // The client waits for a watch's first line within this timeout, so a quiet watch would
            // be cut at 100 s; the informer's own list timeout and silence watchdog bound both.
            config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
            return new Kubernetes(config);
        }
        catch (Exception e) when (e is KubeConfigException or FileNotFoundException or DirectoryNotFoundException or k8s.Exceptions.KubernetesClientException)
        {
            throw new IOException($"no Kubernetes API to talk to ({e.Message}): pass --kubeconfig, set KUBECONFIG, run in a pod, or use --source for manifests", e);
        }
    }
}
