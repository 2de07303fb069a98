using NodeProxy.Net;

namespace NodeProxy.Cluster.Validation;

/// <summary>Protocols as objects spell them: exactly TCP, UDP or SCTP, empty meaning TCP (the API server's default).</summary>
public static class ApiProtocol
{
    public static bool TryParse(string? text, out Protocol protocol)
    {
        protocol = Protocol.Tcp;
        return text is null or "" or "TCP" or "UDP" or "SCTP" && ProtocolText.TryParse(text, out protocol);
    }
}
