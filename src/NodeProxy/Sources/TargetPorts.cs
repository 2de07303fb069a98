using System.Globalization;
using k8s.Models;
using NodeProxy.Net;

namespace NodeProxy.Sources;

/// <summary>Which Pod port a Service port sends to.</summary>
internal static class TargetPorts
{
    /// <returns>null when a named target port is not declared by the Pod: the controller then
    /// leaves that port out of the Pod's endpoint instead of guessing.</returns>
    public static int? Resolve(V1ServicePort servicePort, V1Pod pod)
    {
        var target = servicePort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target))
        {
            // The API server defaults an absent targetPort to the port; manifests have no API server.
            return servicePort.Port;
        }

        // IntOrString keeps only text, so 8080 and "8080" look alike; a port name cannot be all digits.
        if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        ProtocolText.TryParse(servicePort.Protocol, out var protocol);
        return ContainersWithPorts(pod)
            .SelectMany(c => c.Ports ?? [])
            .Where(p => p.Name == target && ProtocolText.TryParse(p.Protocol, out var own) && own == protocol)
            .Select(p => (int?)p.ContainerPort)
            .FirstOrDefault();
    }

    /// <summary>Sidecars (init containers that keep running) serve traffic too.</summary>
    private static IEnumerable<V1Container> ContainersWithPorts(V1Pod pod) =>
        (pod.Spec?.Containers ?? []).Concat((pod.Spec?.InitContainers ?? []).Where(c => c.RestartPolicy == "Always"));
}
