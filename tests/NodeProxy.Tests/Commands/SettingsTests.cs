using System.CommandLine;
using NodeProxy.Commands;
using Xunit;

namespace NodeProxy.Tests.Commands;

public sealed class SettingsTests : IDisposable
{
    private readonly string file = Path.GetTempFileName();
    private readonly RootCommand root;

    public SettingsTests()
    {
        var run = new Command("run") { new Option<string>("--cluster-cidr"), new Option<bool>("--masquerade-all"), new Option<string>("--node-name"), new Option<bool>("--verbose", "-v"), new Option<string>(Settings.ConfigFlag) };
        root = new RootCommand { run };
    }

    public void Dispose() => File.Delete(file);

    [Fact]
    public void TheCommandLineWinsOverTheEnvironmentWhichWinsOverTheFile()
    {
        File.WriteAllText(file, "cluster-cidr: 10.1.0.0/16\nmasquerade-all: true\nnode-name: from-file\n");
        var environment = new Dictionary<string, string> { ["NODEPROXY_CLUSTER_CIDR"] = "10.2.0.0/16", ["NODEPROXY_NODE_NAME"] = "from-env" };

        var args = Settings.Expand(root, ["run", "--node-name", "from-flag", "--config", file], n => environment.GetValueOrDefault(n));

        Assert.Equal(["run", "--node-name", "from-flag", "--cluster-cidr", "10.2.0.0/16", "--masquerade-all", "true"], args);
    }

    [Fact]
    public void AListInTheFileBecomesACommaSeparatedValue()
    {
        File.WriteAllText(file, "cluster-cidr: [10.244.0.0/16, fd00::/48]\n");

        var args = Settings.Expand(root, ["run", "--config", file], _ => null);

        Assert.Equal(["run", "--cluster-cidr", "10.244.0.0/16,fd00::/48"], args);
    }

    [Theory]
    [InlineData("cluster-cider: 10.0.0.0/8\n", "'cluster-cider' is not a setting of `nodeproxy run`")]
    [InlineData("cluster-cidr: [unclosed\n", "--config")]
    public void ABadFileIsRefusedWithItsReason(string text, string message)
    {
        File.WriteAllText(file, text);

        var error = Assert.Throws<ArgumentException>(() => Settings.Expand(root, ["run", "--config", file], _ => null));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFileMayBeGivenWithAnEqualsSign()
    {
        File.WriteAllText(file, "node-name: from-file\n");

        Assert.Equal(["run", "--node-name", "from-file"], Settings.Expand(root, ["run", $"--config={file}"], _ => null));
    }

    [Fact]
    public void AShortSpellingCountsAsGiven()
    {
        Assert.Equal(["run", "-v"], Settings.Expand(root, ["run", "-v"], n => n == "NODEPROXY_VERBOSE" ? "false" : null));
    }

    [Fact]
    public void WithoutAFileOrVariablesTheArgumentsAreUntouched()
    {
        Assert.Equal(["run", "--once"], Settings.Expand(root, ["run", "--once"], _ => null));
    }
}
