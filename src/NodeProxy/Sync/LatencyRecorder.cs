namespace NodeProxy.Sync;

/// <summary>
/// Network programming latency samples (change -> rules in the kernel), the last few thousand,
/// with percentiles for the log; metrics export the same samples as a histogram.
/// </summary>
public sealed class LatencyRecorder(int capacity = 4096)
{
    private readonly Lock gate = new();
    private readonly Queue<TimeSpan> samples = new();

    public long Count { get; private set; }

    public void Record(IEnumerable<TimeSpan> latencies)
    {
        lock (gate)
        {
            foreach (var latency in latencies)
            {
                samples.Enqueue(latency);
                Count++;
                if (samples.Count > capacity)
                {
                    samples.Dequeue();
                }
            }
        }
    }

    /// <summary>The nearest-rank percentile of the kept samples; zero without any.</summary>
    public TimeSpan Percentile(double percent)
    {
        lock (gate)
        {
            if (samples.Count == 0)
            {
                return TimeSpan.Zero;
            }

            var sorted = samples.Order().ToArray();
            var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }
}
