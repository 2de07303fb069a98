using System.CommandLine;
using NodeProxy.Commands;

var root = new RootCommand("NodeProxy: a kube-proxy replacement that programs iptables for Services, NodePorts and hostPorts")
{
    RunCommand.Create(),
    CleanupCommand.Create(),
    RenderCommand.Create(),
    TraceCommand.Create(),
    ExplainCommand.Create(),
};
foreach (var command in root.Subcommands)
{
    command.Options.Add(new Option<string>(Settings.ConfigFlag) { Description = "A YAML file of settings (flag names without dashes); flags and NODEPROXY_* variables win over it" });
}

try
{
    args = Settings.Expand(root, args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

// `run` stops through the host, within its own shutdown timeout: System.CommandLine must not cut that short.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = AgentHost.ShutdownTimeout + TimeSpan.FromSeconds(5) });
