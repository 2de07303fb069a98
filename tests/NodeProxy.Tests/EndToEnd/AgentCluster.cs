using System.Net;
using NodeProxy.Lab;
using LabCluster = NodeProxy.Lab.Lab;
using Xunit.Abstractions;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>
/// A lab cluster with the real `nodeproxy run` on node-1, reading the manifests a test writes.
/// Disposing stops the agent and removes the namespaces and the manifest folder, also when the
/// test failed.
/// </summary>
internal sealed class AgentCluster : IAsyncDisposable
{
    private AgentCluster(LabCluster lab, ClusterManifests manifests, string backend)
    {
        Lab = lab;
        Manifests = manifests;
        Backend = backend;
    }

    public LabCluster Lab { get; }

    public ClusterManifests Manifests { get; }

    public string Backend { get; }

    public AgentProcess Agent { get; private set; } = null!;

    /// <summary>NAME=value settings the agent is started with.</summary>
    public IReadOnlyList<string> AgentEnvironment { get; set; } = [];

    public LabNode Node1 => Lab.Node(1);

    /// <summary>The example cluster's lab (3 nodes, 4 pods, a client) and an empty manifest folder.</summary>
    public static async Task<AgentCluster> CreateAsync(string backend, ITestOutputHelper output)
    {
        var log = TestLog.To(output);
        var lab = await LabCluster.CreateExampleClusterAsync(log);
        var folder = Directory.CreateTempSubdirectory("nodeproxy-e2e-").FullName;
        return new AgentCluster(lab, new ClusterManifests(folder).Node(1).Node(2).Node(3), backend);
    }

    /// <summary>Writes the manifests, starts the agent and waits for its first sync.</summary>
    public async Task StartAgentAsync(string? source = null, params string[] flags)
    {
        await Manifests.WriteAsync();
        Agent = await Lab.StartAgentAsync(Node1,
            ["run", "--source", source ?? Manifests.Folder, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16,fd00:244::/32",
             "--iptables-backend", Backend, .. flags], AgentEnvironment);
        await Agent.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }

    /// <summary>Changes the manifests and waits until the agent has written the change to the kernel.</summary>
    public async Task ChangeAsync(Action<ClusterManifests> change)
    {
        var from = Agent.LineCount;
        change(Manifests);
        await Manifests.WriteAsync();
        await Agent.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal) && l.Contains("bytes", StringComparison.Ordinal), TimeSpan.FromSeconds(10), from);
    }

    public Task<string> NatTableAsync() => Node1.ExecAsync("iptables-" + Backend, "-t", "nat", "-L", "-n", "-v");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Agent is { HasExited: false })
            {
                await Agent.KillAsync();
            }
        }
        finally
        {
            await Lab.DisposeAsync();
            Directory.Delete(Manifests.Folder, recursive: true);
        }
    }

    public static IPEndPoint At(string address, int port) => new(IPAddress.Parse(address), port);
}
