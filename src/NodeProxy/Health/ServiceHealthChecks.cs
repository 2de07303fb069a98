using System.Collections.Immutable;
using NodeProxy.Model;

namespace NodeProxy.Health;

/// <summary>One Service's health check node port and how many of its endpoints are ready on this node.</summary>
public sealed record ServiceHealthCheck(string Namespace, string Name, int Port, int LocalEndpoints);

public static class ServiceHealthChecks
{
    /// <summary>
    /// The eTP=Local LoadBalancer Services of the model, per Service (not per port): a load
    /// balancer sends to this node only while it answers 200, so only Ready local endpoints
    /// count; a node whose local endpoints are all terminating says 503 and is drained.
    /// </summary>
    public static ImmutableArray<ServiceHealthCheck> From(ModelResult model) =>
        [.. model.V4.Services.Concat(model.V6.Services)
            .Where(p => p.HealthCheckNodePort is not null)
            .GroupBy(p => (p.Name.Namespace, p.Name.Name))
            .Select(g => new ServiceHealthCheck(
                g.Key.Namespace,
                g.Key.Name,
                g.First().HealthCheckNodePort!.Value,
                g.SelectMany(p => p.LocalEndpoints).Where(e => e.Ready && e.IsLocal).Select(e => e.Address).Distinct().Count()))
            .OrderBy(c => c.Port)];
}
