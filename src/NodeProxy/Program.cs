using System.CommandLine;
using NodeProxy.Commands;

var root = new RootCommand("NodeProxy: a kube-proxy replacement that programs iptables for Services, NodePorts and hostPorts")
{
    RenderCommand.Create(),
    TraceCommand.Create(),
};
return root.Parse(args).Invoke();
