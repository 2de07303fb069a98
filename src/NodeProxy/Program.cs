using System.CommandLine;
using NodeProxy.Commands;

var root = new RootCommand("NodeProxy: a kube-proxy replacement that programs iptables for Services, NodePorts and hostPorts")
{
    RunCommand.Create(),
    CleanupCommand.Create(),
    RenderCommand.Create(),
    TraceCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
