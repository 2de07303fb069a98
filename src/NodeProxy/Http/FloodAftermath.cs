using Microsoft.Extensions.Logging;

namespace NodeProxy.Http;

/// <summary>
/// Gives back the memory a flood of connections or requests left behind. Every connection
/// accepted, even one evicted at once, and every request cost Kestrel some kilobytes of objects;
/// the garbage collector sizes its youngest generation from the CPU cache (hundreds of MB on some
/// machines) and, with little allocating once the flood is over, keeps that memory. So when a
/// flood ends, one aggressive collection returns the free memory to the system.
/// </summary>
internal sealed class FloodAftermath : IDisposable
{
    /// <summary>
    /// Connections plus requests per period that count as a flood; kubelet probes, scrapers and
    /// load balancers checking a hundred Services stay far below.
    /// </summary>
    public const int FloodAccepts = 500;

    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    private readonly ILogger log;
    private readonly ITimer timer;
    private long arrived;
    private long flood;

    public FloodAftermath(ILogger log, TimeProvider time)
    {
        this.log = log;
        timer = time.CreateTimer(_ => Check(), null, Period, Period);
    }

    public void Arrived() => Interlocked.Increment(ref arrived);

    public void Dispose() => timer.Dispose();

    private void Check()
    {
        var recent = Interlocked.Exchange(ref arrived, 0);
        if (recent >= FloodAccepts)
        {
            flood += recent;
            return;
        }

        if (flood == 0)
        {
            return;
        }

        var before = Environment.WorkingSet;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        log.LogInformation("a flood of {Arrivals} connections and requests is over; memory given back: RSS {Before} -> {After} MiB", flood, before >> 20, Environment.WorkingSet >> 20);
        flood = 0;
    }
}
