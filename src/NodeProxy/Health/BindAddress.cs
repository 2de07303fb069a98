using System.Globalization;
using System.Net;

namespace NodeProxy.Health;

/// <summary>"HOST:PORT" flags as kube-proxy spells them.</summary>
public static class BindAddress
{
    public static bool TryParse(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon].Trim('[', ']');
        return IPAddress.TryParse(host, out _);
    }

    /// <summary>
    /// The socket address to listen on. "::" is every address of both families, as Go's listener
    /// (kube-proxy's) takes it; "0.0.0.0" every IPv4 address.
    /// </summary>
    public static IPEndPoint Parse(string text) =>
        TryParse(text, out var host, out var port)
            ? new IPEndPoint(IPAddress.Parse(host), port)
            : throw new ArgumentException($"'{text}' is not HOST:PORT");
}
