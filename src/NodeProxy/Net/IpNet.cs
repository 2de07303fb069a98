using System.Net;
using System.Numerics;

namespace NodeProxy.Net;

/// <summary>
/// An address with a mask, as iptables matches it. The mask is usually a prefix, but the
/// dispatch buckets use non-contiguous masks (for example 0.0.0.5/0.0.0.255), which iptables
/// accepts and which System.Net.IPNetwork cannot express.
/// </summary>
public readonly record struct IpNet
{
    private readonly UInt128 bits;
    private readonly UInt128 mask;

    public IpFamily Family { get; }

    private IpNet(IpFamily family, UInt128 bits, UInt128 mask)
    {
        Family = family;
        this.mask = mask;
        this.bits = bits & mask;
    }

    public static IpNet Host(IPAddress address)
    {
        var family = address.Family();
        return new IpNet(family, ToBits(address), AllOnes(family));
    }

    public static IpNet FromPrefix(IPAddress address, int prefixLength)
    {
        var family = address.Family();
        var width = family.BitLength();
        if (prefixLength < 0 || prefixLength > width)
        {
            throw new FormatException($"prefix length {prefixLength} is out of range for {address}");
        }

        var mask = prefixLength == 0 ? UInt128.Zero : AllOnes(family) << (width - prefixLength) & AllOnes(family);
        return new IpNet(family, ToBits(address), mask);
    }

    /// <summary>Matches addresses whose bits under <paramref name="mask"/> equal those of <paramref name="address"/>.</summary>
    public static IpNet WithMask(IPAddress address, IPAddress mask)
    {
        if (address.Family() != mask.Family())
        {
            throw new ArgumentException("address and mask families differ");
        }

        return new IpNet(address.Family(), ToBits(address), ToBits(mask));
    }

    /// <summary>Parses "a.b.c.d", "a.b.c.d/len" or an IPv6 equivalent; tolerates surrounding blanks.</summary>
    public static IpNet Parse(string text)
    {
        if (!TryParse(text, out var net))
        {
            throw new FormatException($"'{text}' is not an IP address or CIDR");
        }

        return net;
    }

    public static bool TryParse(string? text, out IpNet net)
    {
        net = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var slash = trimmed.IndexOf('/');
        if (slash < 0)
        {
            if (!IpText.TryParseAddress(trimmed, out var host))
            {
                return false;
            }

            net = Host(host);
            return true;
        }

        if (!IpText.TryParseAddress(trimmed[..slash], out var address))
        {
            return false;
        }

        var lengthText = trimmed[(slash + 1)..];
        if (!int.TryParse(lengthText, System.Globalization.NumberStyles.None, null, out var length)
            || length > address.Family().BitLength())
        {
            return false;
        }

        net = FromPrefix(address, length);
        return true;
    }

    public IPAddress Address => FromBits(Family, bits);

    public IPAddress MaskAddress => FromBits(Family, mask);

    /// <summary>The prefix length, or null when the mask is not contiguous.</summary>
    public int? PrefixLength
    {
        get
        {
            var width = Family.BitLength();
            var ones = (int)UInt128.PopCount(mask);
            var expected = ones == 0 ? UInt128.Zero : AllOnes(Family) << (width - ones) & AllOnes(Family);
            return expected == mask ? ones : null;
        }
    }

    public bool Contains(IPAddress address) =>
        address.Family() == Family && (ToBits(address) & mask) == bits;

    /// <summary>Canonical iptables-save form: "10.0.0.0/8", "10.0.0.1/32", "0.0.0.5/0.0.0.255".</summary>
    public override string ToString()
    {
        var prefix = PrefixLength;
        var address = IpText.Format(Address);
        return prefix is { } p ? $"{address}/{p}" : $"{address}/{IpText.Format(MaskAddress)}";
    }

    private static UInt128 AllOnes(IpFamily family) =>
        family == IpFamily.V4 ? uint.MaxValue : UInt128.MaxValue;

    internal static UInt128 ToBits(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        UInt128 value = 0;
        foreach (var b in bytes)
        {
            value = value << 8 | b;
        }

        return value;
    }

    private static IPAddress FromBits(IpFamily family, UInt128 value)
    {
        var length = family == IpFamily.V4 ? 4 : 16;
        var bytes = new byte[length];
        for (var i = length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xff);
            value >>= 8;
        }

        return new IPAddress(bytes);
    }
}
