using System.Net;

namespace NodeProxy.Lab;

/// <summary>The address plan of examples/nginx: node N is 192.168.56.(10+N) and owns 10.244.N.0/24.</summary>
public static class LabAddresses
{
    public const string LanV4Prefix = "192.168.56.";
    public const string LanV6Prefix = "fd00:56::";

    public static IPAddress NodeIpv4(int index) => IPAddress.Parse($"{LanV4Prefix}{10 + index}");

    public static IPAddress NodeIpv6(int index) => IPAddress.Parse($"{LanV6Prefix}{10 + index}");

    public static IPAddress PodGatewayV4(int index) => IPAddress.Parse($"10.244.{index}.1");

    public static IPAddress PodGatewayV6(int index) => IPAddress.Parse($"fd00:244:{index}::1");

    public static string PodCidrV4(int index) => $"10.244.{index}.0/24";

    public static string PodCidrV6(int index) => $"fd00:244:{index}::/64";
}
