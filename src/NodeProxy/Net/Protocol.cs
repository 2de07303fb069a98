namespace NodeProxy.Net;

public enum Protocol
{
    Tcp,
    Udp,
    Sctp,
}

public static class ProtocolText
{
    public static string Name(this Protocol protocol) => protocol switch
    {
        Protocol.Tcp => "tcp",
        Protocol.Udp => "udp",
        _ => "sctp",
    };

    /// <summary>Kubernetes spells protocols in upper case and defaults an empty one to TCP.</summary>
    public static bool TryParse(string? text, out Protocol protocol)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case null or "" or "TCP":
                protocol = Protocol.Tcp;
                return true;
            case "UDP":
                protocol = Protocol.Udp;
                return true;
            case "SCTP":
                protocol = Protocol.Sctp;
                return true;
            default:
                protocol = Protocol.Tcp;
                return false;
        }
    }
}
