using System.Net;
using CliWrap.Buffered;
using NodeProxy.Lab;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Lab;

/// <summary>The lab leaves nothing behind, and runs and stops processes inside its namespaces.</summary>
public sealed class LabLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DisposingRemovesEveryNamespaceEvenWithConnectionsAndProcessesStillOpen()
    {
        var lab = await NodeProxy.Lab.Lab.CreateExampleClusterAsync(output.WriteLine);
        var id = lab.Id;
        Assert.Equal(9, (await LabNamespaces(id)).Count);
        var connection = await lab.Node(2).OpenLineAsync(new IPEndPoint(IPAddress.Parse("10.244.1.10"), 80));
        Assert.Equal("nginx-7c5ddbdf54-4xk2p", (await connection.AskAsync(TimeSpan.FromSeconds(2))).Pod);
        var sleeper = await lab.StartProcessAsync(lab.Pod("nginx-test"), "sleep", ["30"]);

        await lab.DisposeAsync();

        Assert.Empty(await LabNamespaces(id));
        Assert.True(sleeper.HasExited);
    }

    [Fact]
    public async Task DisposingAHalfBuiltLabRemovesWhatWasMade()
    {
        var lab = await NodeProxy.Lab.Lab.CreateAsync(output.WriteLine);
        var id = lab.Id;
        try
        {
            var node = await lab.AddNodeAsync(1);

            // The second server cannot bind port 80 again: this fails after the pod's namespace and veth exist.
            await Assert.ThrowsAnyAsync<Exception>(() => lab.AddPodAsync(node, "twice", IPAddress.Parse("10.244.1.10"), null, 80, 80));
            Assert.Equal(3, (await LabNamespaces(id)).Count);
            throw new InvalidOperationException("the test gives up half-way");
        }
        catch (InvalidOperationException)
        {
            await lab.DisposeAsync();
        }

        Assert.Empty(await LabNamespaces(id));
    }

    [Fact]
    public async Task RemovingAPodTakesItOffTheNetwork()
    {
        await using var lab = await NodeProxy.Lab.Lab.CreateAsync(output.WriteLine);
        var node = await lab.AddNodeAsync(1);
        var pod = await lab.AddPodAsync(node, "gone", IPAddress.Parse("10.244.1.10"), null, 80);
        Assert.Equal(ReplyOutcome.Answered, (await node.TcpRequestAsync(new IPEndPoint(pod.Ipv4, 80))).Outcome);

        await lab.RemovePodAsync(pod);

        Assert.NotEqual(ReplyOutcome.Answered, (await node.TcpRequestAsync(new IPEndPoint(pod.Ipv4, 80), TimeSpan.FromMilliseconds(300))).Outcome);
        Assert.DoesNotContain(pod.Netns, await LabNamespaces(lab.Id));
        Assert.Empty(lab.Pods);
    }

    [Fact]
    public async Task TheAgentRunsInANodeNamespace()
    {
        await using var lab = await NodeProxy.Lab.Lab.CreateAsync(output.WriteLine);
        var node = await lab.AddNodeAsync(1);

        var (exitCode, text) = await lab.RunAgentOnceAsync(node, ["--help"]);

        Assert.Equal(0, exitCode);
        Assert.Contains("render", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessesAreWaitedForStoppedAndKilled()
    {
        await using var lab = await NodeProxy.Lab.Lab.CreateAsync(output.WriteLine);
        var node = await lab.AddNodeAsync(1);

        var talker = await lab.StartProcessAsync(node, "sh", ["-c", "echo starting; ip -br addr show cbr0; echo ready; sleep 30"]);
        await talker.WaitForLineAsync(l => l == "ready", TimeSpan.FromSeconds(5));
        Assert.Contains(talker.Lines, l => l.Contains("10.244.1.1/24", StringComparison.Ordinal));
        var late = await Assert.ThrowsAsync<TimeoutException>(() => talker.WaitForLineAsync(l => l == "never", TimeSpan.FromMilliseconds(200)));
        Assert.Contains("ready", late.Message, StringComparison.Ordinal);
        Assert.Equal(AgentProcess.KilledExitCode, await talker.KillAsync());

        var sleeper = await lab.StartProcessAsync(node, "sleep", ["30"]);
        Assert.Equal(143, await sleeper.StopAsync().WaitAsync(TimeSpan.FromSeconds(3)));

        var quitter = await lab.StartProcessAsync(node, "sh", ["-c", "echo bye; exit 3"]);
        var early = await Assert.ThrowsAsync<InvalidOperationException>(() => quitter.WaitForLineAsync(l => l == "ready", TimeSpan.FromSeconds(5)));
        Assert.Contains("bye", early.Message, StringComparison.Ordinal);
        Assert.Equal(3, await quitter.ExitCode);
    }

    [Fact]
    public async Task StoppingFallsBackToKillingAProcessThatIgnoresSigterm()
    {
        await using var lab = await NodeProxy.Lab.Lab.CreateAsync(output.WriteLine);
        var node = await lab.AddNodeAsync(1);
        var stubborn = await lab.StartProcessAsync(node, "sh", ["-c", "trap '' TERM; echo ready; exec sleep 30"]);
        await stubborn.WaitForLineAsync(l => l == "ready", TimeSpan.FromSeconds(5));

        Assert.Equal(AgentProcess.KilledExitCode, await stubborn.StopAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task TheAgentStopsCleanlyOnSigtermAndOnCtrlCFromATerminal()
    {
        await using var lab = await NodeProxy.Lab.Lab.CreateAsync(output.WriteLine);
        var node = await lab.AddNodeAsync(1);
        string[] run = ["run", "--source", TestPaths.Examples + "/nginx", "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16"];

        var byKubelet = await lab.StartAgentAsync(node, run);
        await byKubelet.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Equal(0, await byKubelet.StopAsync());

        var byTerminal = await lab.StartAgentAsFromATerminalAsync(node, run);
        await byTerminal.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Equal(0, await byTerminal.InterruptAsync());
    }

    private static async Task<List<string>> LabNamespaces(string id)
    {
        var list = await CliWrap.Cli.Wrap("ip").WithArguments(["netns", "list"]).ExecuteBufferedAsync();
        return list.StandardOutput.Split('\n').Where(l => l.Contains($"np{id}-", StringComparison.Ordinal)).ToList();
    }
}
