using System.Text.Json.Nodes;
using NodeProxy.Net;

namespace NodeProxy.Health;

/// <summary>
/// kube-proxy's health rule, per IP family: unhealthy only when an update has been pending for
/// longer than the timeout (2 x sync period). Starting up and idling are healthy; a sync that
/// keeps failing is not. Beyond kube-proxy: a part of the agent that died fails both /livez and
/// /healthz, a watched resource out of step with the API server for too long fails /healthz, and
/// the body's "problems" says which. Thread-safe; the clock is injected so the rule is testable.
/// </summary>
public sealed class ProxyHealth(IReadOnlyList<IpFamily> families, TimeSpan timeout, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<IpFamily, (DateTimeOffset? LastUpdated, DateTimeOffset? OldestPending)> state =
        families.ToDictionary(f => f, _ => ((DateTimeOffset?)null, (DateTimeOffset?)null));

    /// <summary>The Node as last seen: /healthz also wants it present and not being removed.</summary>
    public Func<bool> NodeEligible { get; set; } = () => true;

    /// <summary>A part that died makes both /livez and /healthz fail.</summary>
    public PartsHealth? Parts { get; set; }

    /// <summary>A resource out of step with the API server for too long makes /healthz fail.</summary>
    public SourceFreshness? Freshness { get; set; }

    public void Queued()
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            foreach (var family in state.Keys.ToList())
            {
                state[family] = (state[family].LastUpdated, state[family].OldestPending ?? now);
            }
        }
    }

    public void Updated(IpFamily family)
    {
        lock (gate)
        {
            state[family] = (time.GetUtcNow(), null);
        }
    }

    /// <returns>Healthy or not, and the JSON body kube-proxy answers with.</returns>
    public (bool Healthy, JsonObject Body) Check(bool withNode)
    {
        var now = time.GetUtcNow();
        var status = new JsonObject();
        var healthy = true;
        DateTimeOffset? lastUpdated = null;
        lock (gate)
        {
            foreach (var (family, (updated, pending)) in state)
            {
                var ok = pending is null || now - pending < timeout;
                healthy &= ok;
                lastUpdated = updated > lastUpdated || lastUpdated is null ? updated : lastUpdated;
                status[family == IpFamily.V4 ? "IPv4" : "IPv6"] = new JsonObject { ["lastUpdated"] = Format(updated), ["healthy"] = ok };
            }
        }

        var body = new JsonObject
        {
            // As kube-proxy does, a healthy answer reports "now" for old clients that compare it.
            ["lastUpdated"] = healthy ? Format(now) : Format(lastUpdated),
            ["currentTime"] = Format(now),
            ["healthy"] = healthy,
            ["status"] = status,
        };
        if (withNode)
        {
            var eligible = NodeEligible();
            body["nodeEligible"] = eligible;
            healthy &= eligible;
        }

        // Why, in words, so that the body says what the status code means.
        IEnumerable<string> problems = Parts?.Dead ?? [];
        if (withNode)
        {
            problems = problems.Concat(Freshness?.Stale() ?? []);
        }

        var reasons = problems.ToList();
        if (reasons.Count > 0)
        {
            healthy = false;
            body["problems"] = new JsonArray([.. reasons.Select(r => (JsonNode)r)]);
        }

        body["healthy"] = healthy;
        return (healthy, body);
    }

    private static string Format(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fffffff +0000 'UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "";
}
