using System.Net;
using System.Security.Cryptography;

namespace NodeProxy.Lab;

/// <summary>
/// A small cluster made of network namespaces: a lan bridge, nodes with pod bridges, pods with
/// servers, and clients outside the cluster. Nothing touches the machine's own namespace, and
/// everything made is removed on DisposeAsync, also after a failure half-way.
/// </summary>
public sealed class Lab : IAsyncDisposable
{
    private readonly Action<string>? _log;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Guards the lists below; _gate serialises topology changes, which take many awaits.
    private readonly Lock _lock = new();
    private readonly List<string> _namespaces = [];
    private readonly List<LabNode> _nodes = [];
    private readonly List<LabPod> _pods = [];
    private readonly List<LabHost> _clients = [];
    private int _veths;
    private int _podNamespaces;
    private bool _disposed;

    private Lab(string id, Action<string>? log)
    {
        Id = id;
        _log = log;
    }

    /// <summary>Four hex digits in every name the lab makes, so labs of parallel tests never collide.</summary>
    public string Id { get; }

    public string LanNetns => $"np{Id}-lan";

    public IReadOnlyList<LabNode> Nodes => Locked(_nodes);

    public IReadOnlyList<LabPod> Pods => Locked(_pods);

    public IReadOnlyList<LabHost> Clients => Locked(_clients);

    public LabNode Node(int index) => Nodes.Single(n => n.Index == index);

    public LabPod Pod(string name) => Pods.Single(p => p.Name == name);

    public LabHost Client(string name) => Clients.Single(c => c.Name == name);

    public static async Task<Lab> CreateAsync(Action<string>? log = null)
    {
        if (LibC.geteuid() != 0)
        {
            throw new InvalidOperationException("end-to-end tests need root to create network namespaces: run them as root (CI does)");
        }

        var lab = new Lab(FreeId(), log);
        try
        {
            await lab.AddNamespaceAsync(lab.LanNetns);
            await Shell.IpAsync(lab.LanNetns, "link add br-lan type bridge mcast_snooping 0", "link set br-lan up");
            lab.Log("lan ready");
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The cluster of examples/nginx: nginx pods on node-1..3, the nginx-test pod on node-1, all
    /// serving port 80, and a client outside the cluster at 192.168.56.100.
    /// </summary>
    public static async Task<Lab> CreateExampleClusterAsync(Action<string>? log = null)
    {
        var lab = await CreateAsync(log);
        try
        {
            var node1 = await lab.AddNodeAsync(1);
            var node2 = await lab.AddNodeAsync(2);
            var node3 = await lab.AddNodeAsync(3);
            await lab.AddPodAsync(node1, "nginx-7c5ddbdf54-4xk2p", IPAddress.Parse("10.244.1.10"), null, 80);
            await lab.AddPodAsync(node1, "nginx-test", IPAddress.Parse("10.244.1.20"), null, 80);
            await lab.AddPodAsync(node2, "nginx-7c5ddbdf54-9fzqm", IPAddress.Parse("10.244.2.10"), null, 80);
            await lab.AddPodAsync(node3, "nginx-7c5ddbdf54-t8bwl", IPAddress.Parse("10.244.3.10"), null, 80);
            await lab.AddClientAsync("client", IPAddress.Parse("192.168.56.100"), IPAddress.Parse("fd00:56::100"));
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Node N (1..9) on the lan, routed to and from every node already there.</summary>
    public async Task<LabNode> AddNodeAsync(int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 9);
        await _gate.WaitAsync();
        try
        {
            if (_nodes.Any(n => n.Index == index))
            {
                throw new InvalidOperationException($"node-{index} is already in lab {Id}");
            }

            var netns = $"np{Id}-node-{index}";
            await AddNamespaceAsync(netns);
            await Shell.SysctlAsync(
                netns,
                "net.ipv4.ip_forward=1",
                "net.ipv6.conf.all.forwarding=1",
                "net.ipv4.conf.all.send_redirects=0",
                "net.ipv4.conf.default.send_redirects=0");
            var veth = NextVeth();
            await Shell.IpAsync(
                netns,
                $"link add eth0 type veth peer name {veth} netns {LanNetns}",
                $"link add cbr0 address 02:42:0a:f4:0{index}:01 type bridge mcast_snooping 0",
                $"addr add {LabAddresses.NodeIpv4(index)}/24 dev eth0",
                $"addr add {LabAddresses.NodeIpv6(index)}/64 dev eth0 nodad",
                $"addr add {LabAddresses.PodGatewayV4(index)}/24 dev cbr0",
                $"addr add {LabAddresses.PodGatewayV6(index)}/64 dev cbr0 nodad",
                "link set eth0 up",
                "link set cbr0 up",
                // A real node has a default route: a cluster IP is routed before OUTPUT's DNAT
                // rewrites it, so without one the node's own connections fail with "unreachable".
                "route add default via 192.168.56.1 dev eth0 onlink",
                "route add ::/0 via fd00:56::1 dev eth0 onlink");
            await Shell.SysctlAsync(netns, "net.ipv4.conf.cbr0.send_redirects=0");
            await Shell.IpAsync(LanNetns, $"link set {veth} master br-lan", $"link set {veth} up");

            var node = new LabNode(index, netns, _log);
            foreach (var other in _nodes)
            {
                await Shell.IpAsync(node.Netns, RoutesTo(other));
                await Shell.IpAsync(other.Netns, RoutesTo(node));
            }

            lock (_lock)
            {
                _nodes.Add(node);
            }

            Log($"{node.Name} ready in {netns}");
            return node;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A pod on the node with TCP and UDP servers on each port, answering "{podName} {peer}".</summary>
    public async Task<LabPod> AddPodAsync(LabNode node, string podName, IPAddress ipv4, IPAddress? ipv6 = null, params int[] ports)
    {
        await _gate.WaitAsync();
        try
        {
            var netns = $"np{Id}-p-{++_podNamespaces}";
            await AddNamespaceAsync(netns);

            // A pod is a host, not a router: it must not take the node's redirects to go around it.
            await Shell.SysctlAsync(
                netns,
                "net.ipv4.conf.all.accept_redirects=0",
                "net.ipv4.conf.default.accept_redirects=0",
                "net.ipv6.conf.all.accept_redirects=0",
                "net.ipv6.conf.default.accept_redirects=0");
            var veth = NextVeth();
            await Shell.IpAsync(
                netns,
                [
                    $"link add eth0 type veth peer name {veth} netns {node.Netns}",
                    $"addr add {ipv4}/32 dev eth0",
                    .. ipv6 is null ? Array.Empty<string>() : [$"addr add {ipv6}/128 dev eth0 nodad"],
                    "link set eth0 up",
                ]);
            // Hairpin mode, as kubelet's hairpin-veth mode and the CNI bridge plugin set it: where
            // br_netfilter is loaded (Docker loads it), a pod's packet DNATed back to that same
            // pod is bridged, not routed, and must leave by the port it came in on.
            await Shell.IpAsync(node.Netns, $"link set {veth} master cbr0", $"link set {veth} type bridge_slave hairpin on", $"link set {veth} up");

            // /32 on eth0: even a pod next door is reached through the node at L3, so replies
            // pass conntrack there and get un-DNATed without br_netfilter.
            await Shell.IpAsync(
                netns,
                [
                    $"route add {node.PodGateway} dev eth0",
                    $"route add default via {node.PodGateway} dev eth0",
                    .. ipv6 is null ? Array.Empty<string>() : [$"route add {node.PodGatewayV6} dev eth0", $"route add ::/0 via {node.PodGatewayV6} dev eth0"],
                ]);

            var server = PodServer.Start(netns, podName, ports);
            var pod = new LabPod(node, podName, netns, ipv4, ipv6, ports, server, _log) { NodeVeth = veth };
            lock (_lock)
            {
                _pods.Add(pod);
            }

            Log($"pod {podName} {ipv4}{(ipv6 is null ? "" : $" {ipv6}")} ready on {node.Name} in {netns}");
            return pod;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the pod's servers and takes it off the network and out of the lab.</summary>
    public async Task RemovePodAsync(LabPod pod)
    {
        await _gate.WaitAsync();
        try
        {
            await pod.CloseAsync();

            // Deleting the link first takes the pod off the network even if something still
            // holds its namespace open.
            await Shell.TryRunAsync("ip", ["-n", pod.Node.Netns, "link", "del", pod.NodeVeth!]);
            await DeleteNamespaceAsync(pod.Netns);
            lock (_lock)
            {
                _pods.Remove(pod);
            }

            Log($"pod {pod.Name} removed");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A machine on the lan outside the cluster: it has no route to any pod.</summary>
    public async Task<LabHost> AddClientAsync(string name, IPAddress ipv4, IPAddress? ipv6 = null)
    {
        await _gate.WaitAsync();
        try
        {
            var netns = $"np{Id}-c-{name}";
            await AddNamespaceAsync(netns);
            var veth = NextVeth();
            await Shell.IpAsync(
                netns,
                [
                    $"link add eth0 type veth peer name {veth} netns {LanNetns}",
                    $"addr add {ipv4}/24 dev eth0",
                    .. ipv6 is null ? Array.Empty<string>() : [$"addr add {ipv6}/64 dev eth0 nodad"],
                    "link set eth0 up",
                ]);
            await Shell.IpAsync(LanNetns, $"link set {veth} master br-lan", $"link set {veth} up");
            var client = new LabHost(name, netns, ipv4, ipv6, _log);
            lock (_lock)
            {
                _clients.Add(client);
            }

            Log($"client {name} {ipv4} ready in {netns}");
            return client;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A second network between two lab hosts: a veth pair with the given addresses (CIDR
    /// notation), as a multi-homed node has. It goes with the namespaces; the names of both ends
    /// are returned.
    /// </summary>
    public async Task<(string AEnd, string BEnd)> LinkAsync(LabHost a, string aAddress, LabHost b, string bAddress)
    {
        await _gate.WaitAsync();
        try
        {
            var (aEnd, bEnd) = (NextVeth(), NextVeth());
            await Shell.IpAsync(a.Netns, $"link add {aEnd} type veth peer name {bEnd} netns {b.Netns}", $"addr add {aAddress} dev {aEnd}{NoDad(aAddress)}", $"link set {aEnd} up");
            await Shell.IpAsync(b.Netns, $"addr add {bAddress} dev {bEnd}{NoDad(bAddress)}", $"link set {bEnd} up");
            Log($"{a.Name} {aAddress} linked to {b.Name} {bAddress}");
            return (aEnd, bEnd);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs the nodeproxy agent that was built beside this assembly inside the node's namespace.</summary>
    /// <param name="environment">NAME=value settings for the agent alone (a PATH with wrapped tools, say).</param>
    public Task<AgentProcess> StartAgentAsync(LabNode node, IEnumerable<string> args, IReadOnlyList<string>? environment = null) =>
        environment is { Count: > 0 }
            ? StartProcessAsync(node, "env", [.. environment, AgentPaths.Dotnet, AgentPaths.Dll, .. args])
            : StartProcessAsync(node, AgentPaths.Dotnet, [AgentPaths.Dll, .. args]);

    /// <summary>
    /// The agent as a terminal would start it: SIGINT back to its default handling, which a shell
    /// running the tests in the background would otherwise hand down ignored.
    /// </summary>
    public Task<AgentProcess> StartAgentAsFromATerminalAsync(LabNode node, IEnumerable<string> args) =>
        StartProcessAsync(node, "env", ["--default-signal=INT", AgentPaths.Dotnet, AgentPaths.Dll, .. args]);

    /// <summary>Any long-running command in a lab host's namespace, its output collected line by line.</summary>
    public Task<AgentProcess> StartProcessAsync(LabHost host, string program, IEnumerable<string> args)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.FromResult(host.StartProcess(program, args));
    }

    /// <summary>A one-shot agent command (render, trace, --help) in the node's namespace: exit code and stdout+stderr.</summary>
    public async Task<(int ExitCode, string Output)> RunAgentOnceAsync(LabNode node, IEnumerable<string> args)
    {
        var result = await node.TryExecAsync(AgentPaths.Dotnet, [AgentPaths.Dll, .. args]);
        return (result.ExitCode, result.Output);
    }

    /// <summary>Kills processes, closes sockets, then deletes every namespace, newest first; carries on past failures.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var failures = new List<string>();
        foreach (var host in Locked(_clients).Concat(Locked(_pods)).Concat(Locked(_nodes)))
        {
            try
            {
                await host.CloseAsync();
            }
            catch (Exception e)
            {
                failures.Add($"closing {host}: {e.Message}");
            }
        }

        foreach (var netns in Locked(_namespaces).Reverse())
        {
            try
            {
                await DeleteNamespaceAsync(netns);
            }
            catch (Exception e)
            {
                failures.Add(e.Message);
            }
        }

        _gate.Dispose();
        Log(failures.Count == 0 ? "removed" : $"removed, with failures: {string.Join("; ", failures)}");
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"lab {Id} was not removed cleanly: {string.Join("; ", failures)}");
        }
    }

    private static string FreeId()
    {
        while (true)
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
            if (!Directory.Exists("/run/netns") || !Directory.EnumerateFiles("/run/netns", $"np{id}-*").Any())
            {
                return id;
            }
        }
    }

    private static string[] RoutesTo(LabNode node) =>
    [
        $"route add {node.PodCidr} via {node.Ipv4}",
        $"route add {node.PodCidrV6} via {node.Ipv6}",
    ];

    // Tracked as soon as it exists, so a failure in what follows still gets it deleted.
    private async Task AddNamespaceAsync(string netns)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Shell.RunAsync("ip", ["netns", "add", netns]);
        lock (_lock)
        {
            _namespaces.Add(netns);
        }

        // DAD would keep new IPv6 addresses tentative (unusable) for a second or two.
        await Shell.SysctlAsync(netns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        await Shell.IpAsync(netns, "link set lo up");
    }

    private async Task DeleteNamespaceAsync(string netns)
    {
        await Shell.RunAsync("ip", ["netns", "delete", netns]);
        lock (_lock)
        {
            _namespaces.Remove(netns);
        }
    }

    private static string NoDad(string address) => address.Contains(':', StringComparison.Ordinal) ? " nodad" : "";

    private string NextVeth() => $"v{Id}{++_veths}";

    private T[] Locked<T>(List<T> list)
    {
        lock (_lock)
        {
            return [.. list];
        }
    }

    private void Log(string message)
    {
        try
        {
            _log?.Invoke($"lab {Id}: {message}");
        }
        catch (Exception)
        {
            // A test's output helper may be gone already; logging must not break teardown.
        }
    }
}
