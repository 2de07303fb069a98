using CliWrap;
using CliWrap.Buffered;
using Xunit;

namespace NodeProxy.Tests.Commands;

/// <summary>The real `nodeproxy` executable on the documented example, as a user runs it.</summary>
public sealed class CliTests
{
    private static readonly string[] Node1 = ["--source", TestPaths.Examples + "/nginx", "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16"];

    [Fact]
    public async Task RenderShowsTheExamplesClusterIPNodePortAndHostPort()
    {
        var result = await RunAsync(["render", .. Node1]);

        Assert.Equal(0, result.ExitCode);
        var lines = result.StandardOutput.Split('\n');
        Assert.Contains(lines, l => l.Contains("-d 10.96.0.88/32 -p tcp -m comment --comment \"default/nginx-svc:http cluster IP\" -m tcp --dport 88 -j NP-SVC-", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("-A NP-NODEPORTS -p tcp -m comment --comment \"default/nginx-port:http\" -m tcp --dport 30000 -j NP-SVC-", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"default/nginx-test hostPort 8081\" -m tcp --dport 8081 -j DNAT --to-destination 10.244.1.20:80", StringComparison.Ordinal));
        Assert.Equal(3, lines.Count(l => l.Contains("default/nginx-svc:http -> ", StringComparison.Ordinal)));
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public async Task TraceFromAPodToNginxSvcListsTheThreeEndpoints()
    {
        var result = await RunAsync(["trace", .. Node1, "--src", "10.244.1.20", "--dst", "10.96.0.88", "--dport", "88"]);

        Assert.Equal(0, result.ExitCode);
        foreach (var endpoint in new[] { "10.244.1.10:80", "10.244.2.10:80", "10.244.3.10:80" })
        {
            Assert.Contains($"33.3%  DNAT to {endpoint}, masqueraded: no", result.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RenderOfIPv6OnlyPrintsAnIp6tablesBatch()
    {
        var result = await RunAsync(["render", .. Node1, "--ip-family", "6"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("*nat", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("! -d ::1/128", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("10.96.0.88", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IPv4OnlyNodePortAddressesLeaveIPv6NodePortsOnEveryLocalAddress()
    {
        var result = await RunAsync(["render", .. Node1, "--ip-family", "6", "--nodeport-addresses", "192.168.77.0/24"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.StandardOutput.Split('\n'), l =>
            l.StartsWith("-A NP-SERVICES ", StringComparison.Ordinal) && l.Contains("-m addrtype --dst-type LOCAL", StringComparison.Ordinal) && l.EndsWith("-j NP-NODEPORTS", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("manifest path '/nonexistent' is neither a file nor a folder", "render", "--source", "/nonexistent", "--node-name", "n")]
    [InlineData("--cluster-cidr: '10.0.0.0/33' is not valid", "render", "--source", "/tmp", "--node-name", "n", "--cluster-cidr", "10.0.0.0/33")]
    [InlineData("--metrics-bind-address takes HOST:PORT with an IP address", "run", "--source", "/tmp", "--node-name", "n", "--metrics-bind-address", "localhost")]
    [InlineData("--masquerade-bit must be a number from 0 to 31", "render", "--source", "/tmp", "--node-name", "n", "--config", "testdata/settings/bad-masquerade-bit.yaml")]
    [InlineData("--ip-family must be 4 or 6", "render", "--source", "/tmp", "--node-name", "n", "--ip-family", "5")]
    [InlineData("--src and --dst must be IP addresses", "trace", "--source", "/tmp", "--node-name", "n", "--src", "10.0.0.1", "--dst", "nope", "--dport", "80")]
    public async Task AMistakeGetsOneClearLineAndAFailingExitCode(string message, params string[] args)
    {
        var result = await RunAsync(args);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    private static Task<BufferedCommandResult> RunAsync(string[] args) =>
        Cli.Wrap("dotnet")
            .WithArguments([TestPaths.Agent, .. args])
            .WithWorkingDirectory(AppContext.BaseDirectory)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
}
