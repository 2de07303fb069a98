using System.Net;
using NodeProxy.Model;

namespace NodeProxy.Rendering;

/// <summary>An endpoint that may be load-balanced back to itself, and who it serves (for the rule's comment).</summary>
internal sealed record HairpinOwner(IPAddress Address, string Owner)
{
    /// <summary>A port's endpoints on this node (or of unknown node): only those can hairpin here.</summary>
    public static IEnumerable<HairpinOwner> Of(ServicePort port) =>
        port.ClusterEndpoints.Concat(port.LocalEndpoints)
            .Where(e => e.IsLocal || e.NodeName is null)
            .Select(e => new HairpinOwner(e.Address, $"{port.Name} -> {e}"));
}
