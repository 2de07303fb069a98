using System.Diagnostics;
using System.Net;
using NodeProxy.Apply;
using NodeProxy.Conntrack;
using NodeProxy.Net;
using NodeProxy.Tests.Kernel;
using Xunit;

namespace NodeProxy.Tests.Apply;

public sealed class CommandDeadlinesTests
{
    [Fact]
    public void ARestoreGetsMoreTimeTheMoreItWrites()
    {
        var deadlines = new CommandDeadlines(TimeSpan.FromSeconds(60));

        Assert.Equal(60, deadlines.For(800).TotalSeconds, 1);
        // The 30k-service cold load: 57.1 MB, 27 s on nft under load.
        Assert.Equal(169, deadlines.For(57_105_296).TotalSeconds, 0);
    }

    [Fact]
    public async Task AHungConntrackIsKilledWithItsChildrenCountedAndReportedAsAnIOError()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        using var wrapper = ToolWrapper.Create("conntrack");
        wrapper.Hang(true);
        var deadlines = new CommandDeadlines(TimeSpan.FromSeconds(1));
        var tool = new ConntrackTool(["ip", "netns", "exec", ns.Name, "env", wrapper.PathSetting]) { Deadlines = deadlines };
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<IOException>(() => tool.DeleteAsync(new StaleFlow(IpFamily.V4, Protocol.Udp, IPAddress.Parse("10.96.0.10"), 53, null)));

        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 5);
        Assert.Equal("conntrack did not finish within 1 s and was killed", error.Message);
        Assert.Equal(1, deadlines.Timeouts["conntrack"]);
        // Killed with its children: their /proc entries go once the kernel has reaped them, a
        // moment after the kill (under load one was still listed when looked at at once).
        await Poll.UntilAsync(() => wrapper.HungProcesses().Count == 0, Task.CompletedTask, seconds: 2);
    }
}
