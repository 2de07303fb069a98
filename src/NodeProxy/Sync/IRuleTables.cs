using NodeProxy.Net;

namespace NodeProxy.Sync;

/// <summary>One IP family's iptables, at the edge: read everything, apply one batch, probe one chain.</summary>
public interface IRuleTables
{
    IpFamily Family { get; }

    Task<string> SaveAsync(CancellationToken cancel = default);

    /// <summary>Applies a --noflush batch as one transaction; throws <see cref="Apply.IptablesException"/> when refused.</summary>
    Task RestoreAsync(string batch, CancellationToken cancel = default);

    Task<bool> ChainExistsAsync(string table, string chain, CancellationToken cancel = default);
}
