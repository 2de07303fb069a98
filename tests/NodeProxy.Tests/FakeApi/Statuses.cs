using k8s.Models;

namespace NodeProxy.Tests.FakeApi;

/// <summary>The V1Status bodies the apiserver answers failures with.</summary>
static class Statuses
{
    public static V1Status Failure(int code, string reason, string message) => new()
    {
        Kind = "Status",
        ApiVersion = "v1",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = message,
        Reason = reason,
        Code = code,
    };

    public static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        403 => "Forbidden",
        404 => "NotFound",
        410 => "Expired",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    };
}
