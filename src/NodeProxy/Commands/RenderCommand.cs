using System.CommandLine;
using NodeProxy.Net;
using NodeProxy.Rendering;
using NodeProxy.RuleSets;

namespace NodeProxy.Commands;

/// <summary>`nodeproxy render`: the iptables-restore batch this node would load. Needs no root.</summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var node = new NodeOptions(sourceRequired: false);
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Read the cluster from this API server's kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)" };
        var family = new Option<int?>("--ip-family")
        {
            Description = "4 or 6: print only that family's batch (default: IPv4, and IPv6 too when it has services)",
        };
        family.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } f && f is not (4 or 6))
            {
                r.AddError("--ip-family must be 4 or 6");
            }
        });
        var command = new Command("render", "Print the iptables-restore batch for this node, from manifests or the API");
        node.AddTo(command);
        command.Options.Add(family);
        command.Options.Add(kubeconfig);
        command.SetAction(result => UserErrors.Guard(() =>
        {
            var pipeline = OfflinePipeline.RunAsync(result.GetValue(node.Source), result.GetValue(kubeconfig), node.ToConfig(result), Console.Error).GetAwaiter().GetResult();
            var families = result.GetValue(family) is { } f
                ? [(IpFamily)f]
                : pipeline.Model.V6.Services.Length + pipeline.Model.V6.HostPorts.Length > 0 ? new[] { IpFamily.V4, IpFamily.V6 } : [IpFamily.V4];
            foreach (var f2 in families)
            {
                if (families.Length > 1)
                {
                    Console.Out.Write($"# {(f2 == IpFamily.V4 ? "iptables-restore" : "ip6tables-restore")} --noflush\n");
                }

                Console.Out.Write(RestoreText.Write(Renderer.Render(pipeline.Model.For(f2))));
            }

            return 0;
        }));
        return command;
    }
}
