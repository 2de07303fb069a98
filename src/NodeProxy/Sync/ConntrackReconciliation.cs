using NodeProxy.Net;

namespace NodeProxy.Sync;

/// <summary>One pass of the conntrack reconciler over a family's table: how long it took, how many entries it deleted.</summary>
public sealed record ConntrackReconciliation(IpFamily Family, TimeSpan Duration, int Deleted);
