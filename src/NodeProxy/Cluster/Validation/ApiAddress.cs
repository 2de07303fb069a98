using System.Net;
using System.Net.Sockets;
using NodeProxy.Net;

namespace NodeProxy.Cluster.Validation;

/// <summary>
/// IP addresses as the API server accepts them in objects (apimachinery's strict IP validation):
/// dotted decimal without leading zeros, IPv6 without a zone, no IPv4-mapped IPv6, nothing
/// around the address. Stricter than <see cref="IpText"/>, which reads flags.
/// </summary>
public static class ApiAddress
{
    public static bool TryParse(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrEmpty(text) || text.Length > 45)
        {
            return false;
        }

        if (text.Contains(':'))
        {
            // Only hex digits, ':' and a trailing dotted IPv4 part; .NET would also take "[::1]" or "::1%eth0".
            if (!text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6 || v6.IsIPv4MappedToIPv6
                || (text.Contains('.') && !DottedQuad(text[(text.LastIndexOf(':') + 1)..], out _)))
            {
                return false;
            }

            address = v6;
            return true;
        }

        if (!DottedQuad(text, out var bytes))
        {
            return false;
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// Unspecified, loopback, link-local or link-local multicast: the API server refuses these as
    /// endpoint addresses and externalIPs, and a Service must never capture them.
    /// </summary>
    public static bool IsSpecial(IPAddress address)
    {
        if (address.Family() == IpFamily.V4)
        {
            var b = address.GetAddressBytes();
            return address.Equals(IPAddress.Any) || b[0] == 127 || (b[0] == 169 && b[1] == 254) || (b[0] == 224 && b[1] == 0 && b[2] == 0);
        }

        var v6 = address.GetAddressBytes();
        return address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback) || address.IsIPv6LinkLocal
            || (v6[0] == 0xff && (v6[1] & 0x0f) == 0x02);
    }

    private static bool DottedQuad(string text, out byte[] bytes)
    {
        bytes = new byte[4];
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            var part = parts[i];
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0') || !byte.TryParse(part, out bytes[i]))
            {
                return false;
            }
        }

        return true;
    }
}
