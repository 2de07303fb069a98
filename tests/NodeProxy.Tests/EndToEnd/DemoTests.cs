using CliWrap;
using CliWrap.Buffered;
using Xunit;

namespace NodeProxy.Tests.EndToEnd;

/// <summary>The README's main command, as a user runs it.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task TheDemoShowsTheExampleWorkingAndLeavesNothingBehind()
    {
        var result = await Cli.Wrap("dotnet")
            .WithArguments([Path.Combine(AppContext.BaseDirectory, "nodeproxy-lab.dll"), "demo", "--source", TestPaths.Examples + "/nginx"])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        foreach (var pod in new[] { "nginx-7c5ddbdf54-4xk2p", "nginx-7c5ddbdf54-9fzqm", "nginx-7c5ddbdf54-t8bwl" })
        {
            Assert.Contains($"curl http://10.96.0.88:88/   ->   {pod} 10.244.1.20", result.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Contains("curl http://192.168.56.11:8081/   ->   nginx-test 192.168.56.100", result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"curl http://192\.168\.56\.11:30000/   ->   nginx-7c5ddbdf54-\w+ ", result.StandardOutput);
        Assert.Contains("Chain NP-SERVICES", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("done: all three pods answered the ClusterIP", result.StandardOutput, StringComparison.Ordinal);
        var made = System.Text.RegularExpressions.Regex.Match(result.StandardOutput, "namespaces: (np[0-9a-f]{4})-").Groups[1].Value;
        Assert.NotEqual("", made);
        Assert.DoesNotContain(await Namespaces(), n => n.StartsWith(made, StringComparison.Ordinal));
    }

    private static async Task<string[]> Namespaces() =>
        (await Cli.Wrap("ip").WithArguments(["netns", "list"]).ExecuteBufferedAsync()).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray();
}
