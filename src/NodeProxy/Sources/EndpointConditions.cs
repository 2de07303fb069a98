using k8s.Models;

namespace NodeProxy.Sources;

/// <summary>The 27 conditions an endpoint can have, one object each: 100k endpoints mostly say the same thing.</summary>
public static class EndpointConditions
{
    private static readonly Dictionary<(bool?, bool?, bool?), V1EndpointConditions> All = Combinations();

    public static V1EndpointConditions Shared(V1EndpointConditions conditions) => All[(conditions.Ready, conditions.Serving, conditions.Terminating)];

    private static Dictionary<(bool?, bool?, bool?), V1EndpointConditions> Combinations()
    {
        bool?[] values = [null, false, true];
        return (from ready in values
                from serving in values
                from terminating in values
                select new V1EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating })
            .ToDictionary(c => (c.Ready, c.Serving, c.Terminating));
    }
}
