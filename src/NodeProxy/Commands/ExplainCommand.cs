using System.CommandLine;
using NodeProxy.Apply;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.Trace.Explain;
using NodeProxy.Trace.Live;

namespace NodeProxy.Commands;

/// <summary>
/// `nodeproxy explain NAMESPACE/NAME`: a Service as NodeProxy reads it, its endpoints and why each
/// is used or not, and its rules with this node's counters.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var node = new NodeOptions(sourceRequired: false);
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Read the cluster from this API server's kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)" };
        var service = new Argument<string>("service") { Description = "NAMESPACE/NAME of the Service" };
        var offline = new Option<bool>("--no-live") { Description = "Do not read this node's rules (no root needed)" };
        var kernel = new KernelOptions();
        var command = new Command("explain", "Show how a Service is programmed on this node: its ports, endpoints and rules with their counters");
        node.AddTo(command);
        command.Arguments.Add(service);
        foreach (var option in new Option[] { kubeconfig, offline, kernel.Backend })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => UserErrors.Guard(() =>
        {
            if (result.GetValue(service)!.Split('/') is not [{ Length: > 0 } ns, { Length: > 0 } name])
            {
                Console.Error.WriteLine("error: the Service is NAMESPACE/NAME");
                return 2;
            }

            var pipeline = OfflinePipeline.RunAsync(result.GetValue(node.Source), result.GetValue(kubeconfig), node.ToConfig(result), Console.Error).GetAwaiter().GetResult();
            var (live, error) = result.GetValue(offline)
                ? (_ => null, "--no-live")
                : ReadLive(kernel.ResolveAsync(result, CancellationToken.None).GetAwaiter().GetResult());
            Console.Out.Write(ServiceExplainer.Explain(ns, name, pipeline.Snapshot, pipeline.Model, pipeline.Problems,
                family => Renderer.Render(pipeline.Model.For(family)), live, error));
            return 0;
        }));
        return command;
    }

    // Not root, or no iptables: the explanation goes on without counters, saying why.
    private static (Func<IpFamily, LiveTables?> Live, string? Error) ReadLive(IptablesBackend backend)
    {
        var node = new LiveNode(backend);
        var tables = new Dictionary<IpFamily, LiveTables?>();
        string? error = null;
        foreach (var family in new[] { IpFamily.V4, IpFamily.V6 })
        {
            try
            {
                tables[family] = node.TablesAsync(family).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IptablesException or System.ComponentModel.Win32Exception or CliWrap.Exceptions.CommandExecutionException)
            {
                tables[family] = null;
                error = e.Message;
            }
        }

        return (family => tables[family], error);
    }
}
