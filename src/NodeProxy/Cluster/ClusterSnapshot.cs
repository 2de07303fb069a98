using System.Collections.Immutable;
using k8s.Models;

namespace NodeProxy.Cluster;

/// <summary>
/// The cluster objects NodeProxy acts on, as one consistent snapshot. The objects are the
/// KubernetesClient model types; nothing downstream mutates them.
/// </summary>
public sealed record ClusterSnapshot(
    ImmutableArray<V1Service> Services,
    ImmutableArray<V1EndpointSlice> EndpointSlices,
    ImmutableArray<V1Pod> Pods,
    ImmutableArray<V1Node> Nodes)
{
    public static readonly ClusterSnapshot Empty = new([], [], [], []);

    public V1Node? FindNode(string name) => Nodes.FirstOrDefault(n => n.Metadata?.Name == name);
}
