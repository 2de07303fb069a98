using System.Collections.Immutable;
using NodeProxy.Cluster;

namespace NodeProxy.Sources;

/// <summary>What a manifest source read: the objects that loaded, and why the others did not.</summary>
public sealed record ManifestLoad(ClusterSnapshot Snapshot, ImmutableArray<Problem> Problems);
