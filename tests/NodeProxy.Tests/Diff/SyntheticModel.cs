using System.Collections.Immutable;
using System.Net;
using NodeProxy.Model;
using NodeProxy.Net;

namespace NodeProxy.Tests.Diff;

/// <summary>A node model of N services x 10 endpoints: every third a NodePort, every seventh with affinity.</summary>
internal static class SyntheticModel
{
    public static NodeModel Create(int services, int endpointsPerService = 10) =>
        new(IpFamily.V4, "node-0", 0x1000)
        {
            NodeIPs = [IPAddress.Parse("192.168.0.2")],
            PodCidr = IpNet.Parse("10.0.0.0/8"),
            Services = [.. Enumerable.Range(0, services).Select(i => Service(i, endpointsPerService))],
        };

    public static ServicePort Service(int i, int endpoints = 10)
    {
        var port = new ServicePort(new ServicePortName($"ns{i % 50}", $"svc{i}", "http"), Protocol.Tcp, Address(172, 16, i), 80)
        {
            NodePort = i % 3 == 0 ? 30000 + (i % 2700) : null,
            AffinitySeconds = i % 7 == 0 ? 10800 : null,
            HasEndpoints = true,
        };
        return port with { ClusterEndpoints = [.. Enumerable.Range(0, endpoints).Select(e => Endpoint(i, e))] };
    }

    public static Endpoint Endpoint(int service, int index) =>
        new(Address(10, 64, service * 16 + index), 8080, "node-1", false);

    public static NodeModel Replace(NodeModel model, int index, Func<ServicePort, ServicePort> change) =>
        model with { Services = model.Services.SetItem(index, change(model.Services[index])) };

    private static IPAddress Address(byte first, byte second, int rest) =>
        new([first, (byte)(second + (rest >> 16)), (byte)(rest >> 8), (byte)rest]);
}
