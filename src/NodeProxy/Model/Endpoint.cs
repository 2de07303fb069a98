using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Model;

/// <summary>One backend of a service port, with the state that decides whether traffic may use it.</summary>
public sealed record Endpoint(IPAddress Address, int Port, string? NodeName, bool IsLocal)
{
    public bool Ready { get; init; } = true;
    public bool Serving { get; init; } = true;
    public bool Terminating { get; init; }
    public IReadOnlyList<string> ZoneHints { get; init; } = [];
    public IReadOnlyList<string> NodeHints { get; init; } = [];

    public override string ToString() => IpText.FormatEndpoint(Address, Port);
}
