using System.Text;
using k8s;
using Microsoft.AspNetCore.Http;

namespace NodeProxy.Tests.FakeApi;

/// <summary>A list: everything that matches in one page at the current resourceVersion; limit and continue are ignored.</summary>
static class ListEndpoint
{
    /// <summary>What is encoded before it is sent: a real API server's first bytes come long before its last.</summary>
    const int Chunk = 64 * 1024;

    public static async Task ServeAsync(HttpContext context, ApiState state, Faults faults, Selection selection)
    {
        await faults.WaitRunningAsync(context.RequestAborted);
        var (items, resourceVersion) = state.List(selection);
        var empty = KubernetesJson.Serialize(selection.Type.NewList([], resourceVersion.ToString()));
        var itemsAt = empty.IndexOf("\"items\":[]", StringComparison.Ordinal) + "\"items\":[".Length;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";

        // Item by item, so that an item a test bent goes out bent, as in a watch; and sent as it
        // is encoded, so that a benchmark's client decodes while this server, in the same
        // process, is still encoding (the whole body first made a 10k list wait for all of it).
        var text = new StringBuilder(empty, 0, itemsAt, Chunk + 4096);
        for (var i = 0; i < items.Count; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(WireJson.Of(items[i]));
            if (text.Length >= Chunk)
            {
                await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
                text.Clear();
            }
        }

        text.Append(empty, itemsAt, empty.Length - itemsAt);
        await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }
}
