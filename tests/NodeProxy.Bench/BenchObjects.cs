namespace NodeProxy.Bench;

/// <summary>What the benchmarks' fake API server sends with each object.</summary>
static class BenchObjects
{
    /// <summary>
    /// Off unless NODEPROXY_BENCH_MANAGED_FIELDS=1: the figures in docs/benchmarks.md were measured
    /// without managedFields, which a real API server sends; the switch measures what they cost.
    /// </summary>
    public static bool ManagedFields => Environment.GetEnvironmentVariable("NODEPROXY_BENCH_MANAGED_FIELDS") == "1";
}
