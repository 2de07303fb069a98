using k8s;
using Microsoft.AspNetCore.Http;

namespace NodeProxy.Tests.FakeApi;

/// <summary>A list: everything that matches in one page at the current resourceVersion; limit and continue are ignored.</summary>
static class ListEndpoint
{
    public static async Task ServeAsync(HttpContext context, ApiState state, Faults faults, Selection selection)
    {
        await faults.WaitRunningAsync(context.RequestAborted);
        var (items, resourceVersion) = state.List(selection);
        // Item by item, so that an item a test bent goes out bent, as in a watch.
        var empty = KubernetesJson.Serialize(selection.Type.NewList([], resourceVersion.ToString()));
        var json = empty.Replace("\"items\":[]", $"\"items\":[{string.Join(",", items.Select(WireJson.Of))}]", StringComparison.Ordinal);
        await Responses.RawAsync(context, 200, json);
    }
}
