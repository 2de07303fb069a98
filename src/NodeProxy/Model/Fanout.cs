namespace NodeProxy.Model;

/// <summary>
/// Independent pure work (reading one Service, rendering one port) spread over the node's cores
/// when there is enough of it: a cold start reads and renders every Service, and one core of two
/// would otherwise sit idle through it. Small batches (every sync after the first) stay on the
/// calling thread, where a thread hop would cost more than the work. The result is the same
/// whatever the order the items ran in.
/// </summary>
internal static class Fanout
{
    /// <summary>Below this many items the work runs on the caller's thread.</summary>
    public const int MinItems = 512;

    /// <summary>
    /// At most this many threads: each allocates as it reads or renders, so more threads mean a
    /// higher cold-start peak, for a gain that was only measured up to 2 (the test machine's cores).
    /// </summary>
    public const int MaxThreads = 4;

    private static int Threads => Math.Min(Environment.ProcessorCount, MaxThreads);

    /// <summary>Calls <paramref name="work"/> once for each index of <paramref name="indexes"/>.</summary>
    public static void For(IReadOnlyList<int> indexes, Action<int> work)
    {
        if (indexes.Count < MinItems || Threads < 2)
        {
            foreach (var i in indexes)
            {
                work(i);
            }

            return;
        }

        try
        {
            ForEachRange(indexes, work);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // What one item threw, as the same work on one thread would have thrown it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    /// <summary>Ranges rather than items: one delegate call per range, and neighbours share a cache line.</summary>
    private static void ForEachRange(IReadOnlyList<int> indexes, Action<int> work) =>
        Parallel.ForEach(
            System.Collections.Concurrent.Partitioner.Create(0, indexes.Count, Math.Max(64, indexes.Count / (Threads * 8))),
            new ParallelOptions { MaxDegreeOfParallelism = Threads },
            range =>
            {
                for (var k = range.Item1; k < range.Item2; k++)
                {
                    work(indexes[k]);
                }
            });
}
