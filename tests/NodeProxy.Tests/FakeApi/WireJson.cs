using System.Runtime.CompilerServices;
using k8s;

namespace NodeProxy.Tests.FakeApi;

/// <summary>
/// How a stored object goes on the wire: as KubernetesClient serializes it, or as a test bent it
/// (a port as a string, say), which the typed objects cannot hold: what a buggy, skewed or
/// hostile API server can send.
/// </summary>
static class WireJson
{
    static readonly ConditionalWeakTable<object, Func<string, string>> Bent = [];

    public static string Of(object obj) =>
        Bent.TryGetValue(obj, out var bend) ? bend(KubernetesJson.Serialize(obj)) : KubernetesJson.Serialize(obj);

    public static void Bend(object obj, Func<string, string> bend) => Bent.AddOrUpdate(obj, bend);

    /// <summary>A copy (the DELETED event's) goes out as bent as its original.</summary>
    public static void Copy(object from, object to)
    {
        if (Bent.TryGetValue(from, out var bend))
            Bent.AddOrUpdate(to, bend);
    }
}
