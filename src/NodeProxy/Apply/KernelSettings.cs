using Microsoft.Extensions.Logging;

namespace NodeProxy.Apply;

/// <summary>The sysctls the rules depend on, in this process's network namespace.</summary>
public static class KernelSettings
{
    private const string RouteLocalnet = "/proc/sys/net/ipv4/conf/all/route_localnet";

    /// <summary>
    /// NodePorts on 127.0.0.1 are DNATed to a pod, which the kernel drops as martian unless
    /// route_localnet is on (kube-proxy sets it too; NP-LOCALNET drops what it would let in).
    /// </summary>
    public static void Apply(bool localhostNodePorts, ILogger log)
    {
        if (!localhostNodePorts)
        {
            return;
        }

        try
        {
            if (File.ReadAllText(RouteLocalnet).Trim() != "1")
            {
                File.WriteAllText(RouteLocalnet, "1");
                log.LogInformation("set net.ipv4.conf.all.route_localnet=1 for NodePorts on localhost");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("NodePorts on localhost will not work: cannot set route_localnet: {Error}", e.Message);
        }
    }
}
