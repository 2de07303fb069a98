namespace NodeProxy.Conntrack;

/// <summary>The kernel's connection tracking table, at the edge.</summary>
public interface IConntrack
{
    /// <returns>How many entries were deleted.</returns>
    Task<int> DeleteAsync(StaleFlow flow, CancellationToken cancel = default);

    /// <summary>The family's entries of one connectionless protocol.</summary>
    Task<IReadOnlyList<ConntrackEntry>> ListAsync(Net.IpFamily family, Net.Protocol protocol, CancellationToken cancel = default);

    /// <summary>Deletes every flow's entries in a bounded number of processes, not one per flow.</summary>
    /// <returns>How many entries were deleted.</returns>
    Task<int> DeleteAllAsync(IReadOnlyCollection<StaleFlow> flows, CancellationToken cancel = default);
}
