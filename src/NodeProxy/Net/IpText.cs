using System.Net;
using System.Net.Sockets;

namespace NodeProxy.Net;

/// <summary>
/// Strict parsing and canonical formatting of IP addresses. IPAddress.TryParse alone accepts
/// forms such as "10" or "0x0a000001" that Kubernetes rejects; leading zeros ("172.30.0.041")
/// are read as decimal, as kube-proxy does, and written back canonically.
/// </summary>
public static class IpText
{
    public static bool TryParseAddress(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.Contains(':'))
        {
            if (trimmed.Contains('%') || !IPAddress.TryParse(trimmed, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            // An IPv4-mapped IPv6 address is treated as what it maps, as Go's net.ParseIP does.
            address = v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6;
            return true;
        }

        var parts = trimmed.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            if (parts[i].Length is 0 or > 3 || !parts[i].All(char.IsAsciiDigit) || !byte.TryParse(parts[i], out bytes[i]))
            {
                return false;
            }
        }

        address = new IPAddress(bytes);
        return true;
    }

    public static IPAddress ParseAddress(string text) =>
        TryParseAddress(text, out var address) ? address : throw new FormatException($"'{text}' is not an IP address");

    public static string Format(IPAddress address) => address.ToString();

    /// <summary>"10.0.0.1:80" or "[fd00::1]:80", as iptables writes a DNAT destination.</summary>
    public static string FormatEndpoint(IPAddress address, int port) =>
        address.Family() == IpFamily.V6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
