using System.Globalization;
using System.Net;

namespace NodeProxy.Health;

/// <summary>"HOST:PORT" flags as kube-proxy spells them, as HttpListener prefixes.</summary>
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

    /// <summary>0.0.0.0 and :: mean every address, which HttpListener spells "+".</summary>
    public static string Prefix(string text) =>
        TryParse(text, out var host, out var port)
            ? $"http://{(host is "0.0.0.0" or "::" ? "+" : host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}/"
            : throw new ArgumentException($"'{text}' is not HOST:PORT");
}
