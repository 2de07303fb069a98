namespace NodeProxy.Conntrack;

/// <summary>The kernel's connection tracking table, at the edge.</summary>
public interface IConntrack
{
    /// <returns>How many entries were deleted.</returns>
    Task<int> DeleteAsync(StaleFlow flow, CancellationToken cancel = default);
}
