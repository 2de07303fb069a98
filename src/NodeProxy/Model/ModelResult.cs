using System.Collections.Immutable;
using NodeProxy.Cluster;
using NodeProxy.Net;

namespace NodeProxy.Model;

public sealed record ModelResult(NodeModel V4, NodeModel V6, ImmutableArray<Problem> Problems)
{
    public NodeModel For(IpFamily family) => family == IpFamily.V4 ? V4 : V6;
}
