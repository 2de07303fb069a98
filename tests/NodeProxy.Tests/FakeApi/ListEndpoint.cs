using Microsoft.AspNetCore.Http;

namespace NodeProxy.Tests.FakeApi;

/// <summary>A list: everything that matches in one page at the current resourceVersion; limit and continue are ignored.</summary>
static class ListEndpoint
{
    public static async Task ServeAsync(HttpContext context, ApiState state, Faults faults, Selection selection)
    {
        await faults.WaitRunningAsync(context.RequestAborted);
        var (items, resourceVersion) = state.List(selection);
        await Responses.JsonAsync(context, 200, selection.Type.NewList(items, resourceVersion.ToString()));
    }
}
