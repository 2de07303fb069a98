using System.Text.RegularExpressions;
using Xunit;

namespace NodeProxy.Tests.Deploy;

/// <summary>No container engine runs here, so the Dockerfile is checked as text for the facts the DaemonSet relies on.</summary>
public sealed partial class DockerfileTests
{
    private readonly string[] lines = [.. File.ReadAllLines(DeployFiles.Dockerfile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    [Fact]
    public void BuildsOnTheSdkAndRunsOnTheAspNetCoreRuntime()
    {
        var from = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, from.Count);
        Assert.Contains("mcr.microsoft.com/dotnet/sdk:10.0", from[0]);
        // The agent's listeners are Kestrel: the plain runtime image lacks ASP.NET Core's framework.
        Assert.Contains("mcr.microsoft.com/dotnet/aspnet:10.0", from[1]);
    }

    [Fact]
    public void PublishesTheAgentToApp() =>
        Assert.Contains(lines, l => PublishAgent().IsMatch(l));

    [Fact]
    public void InstallsIptablesAndConntrack()
    {
        var install = Assert.Single(lines, l => l.Contains("apt-get install", StringComparison.Ordinal));

        Assert.Contains(" iptables", install);
        Assert.Contains(" conntrack", install);
    }

    [Fact]
    public void EntrypointRunsTheAgentDll()
    {
        Assert.Equal("ENTRYPOINT [\"dotnet\", \"/app/nodeproxy.dll\"]", Assert.Single(lines, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
        Assert.Equal("CMD [\"run\"]", Assert.Single(lines, l => l.StartsWith("CMD", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("COPY --from=build /app /app", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^RUN dotnet publish src/NodeProxy -c Release -o /app(\s|$)")]
    private static partial Regex PublishAgent();
}
