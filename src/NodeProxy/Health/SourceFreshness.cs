using System.Globalization;
using NodeProxy.Sources.Kubernetes;

namespace NodeProxy.Health;

/// <summary>
/// Whether every watched resource is in step with the API server: one that has not been (no
/// list succeeded, no watch accepted) for longer than <paramref name="bound"/> makes /healthz
/// fail with the resource and its last error. Only /healthz: restarting the agent does not
/// bring an API server back, and the rules it keeps meanwhile are the best it knows.
/// </summary>
public sealed class SourceFreshness(IReadOnlyList<IInformerStats> informers, TimeSpan bound, TimeProvider time)
{
    public TimeSpan Bound => bound;

    /// <summary>One line per resource out of step for too long: empty when all is well.</summary>
    public IReadOnlyList<string> Stale()
    {
        var now = time.GetUtcNow();
        var stale = new List<string>();
        foreach (var informer in informers)
        {
            if (informer.OutOfSyncSince is { } since && now - since >= bound)
            {
                var seconds = ((int)(now - since).TotalSeconds).ToString(CultureInfo.InvariantCulture);
                stale.Add(informer.HasSynced
                    ? $"{informer.Name}: not in step with the API server for {seconds} s: {informer.LastError}"
                    : $"{informer.Name}: not listed in {seconds} s: {informer.LastError}");
            }
        }

        return stale;
    }
}
