using System.Net;
using System.Net.Sockets;

namespace NodeProxy.Net;

public enum IpFamily
{
    V4 = 4,
    V6 = 6,
}

public static class IpFamilyExtensions
{
    public static IpFamily Family(this IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? IpFamily.V6 : IpFamily.V4;

    public static int BitLength(this IpFamily family) => family == IpFamily.V4 ? 32 : 128;

    public static IpNet Loopback(this IpFamily family) =>
        family == IpFamily.V4 ? IpNet.Parse("127.0.0.0/8") : IpNet.Parse("::1/128");
}
