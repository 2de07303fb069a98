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

        // Item by item, so that an item a test bent goes out bent, as in a watch; and sent in
        // pieces, so that a client decodes the first items while the last are still on the way.
        var body = context.Response.Body;
        var text = new MemoryStream(Chunk + 4096);
        text.Write(Encoding.UTF8.GetBytes(empty[..itemsAt]));
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
                text.WriteByte((byte)',');
            text.Write(WireJson.Utf8(items[i]));
            if (text.Length >= Chunk)
            {
                await body.WriteAsync(text.GetBuffer().AsMemory(0, (int)text.Length), context.RequestAborted);
                text.SetLength(0);
            }
        }

        text.Write(Encoding.UTF8.GetBytes(empty[itemsAt..]));
        await body.WriteAsync(text.GetBuffer().AsMemory(0, (int)text.Length), context.RequestAborted);
    }
}
