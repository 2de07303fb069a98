namespace NodeProxy.Lab;

/// <summary>
/// The example cluster for real on one machine: namespaces for three nodes, the example's pods
/// answering HTTP with their own name, and an outside client; NodeProxy runs in node-1 on the
/// example manifests; curl shows where connections land. Everything is removed at the end, also
/// after an error or Ctrl-C.
/// </summary>
public static class Demo
{
    public static async Task<int> RunAsync(DemoOptions options)
    {
        if (await DemoPrerequisites.EnsureAsync() is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}");
            return 1;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        Step("Building the example cluster in network namespaces (node-1..3, 4 pods, a client at 192.168.56.100)");
        await using var lab = await Lab.CreateExampleClusterAsync();
        var node = lab.Node(1);
        Console.WriteLine($"namespaces: {string.Join(", ", lab.Nodes.Select(n => n.Netns).Concat(lab.Pods.Select(p => p.Netns)).Append(lab.Client("client").Netns))}");

        Step($"Running NodeProxy in {node.Netns} on {options.Source}");
        var agent = await lab.StartAgentAsync(node,
            ["run", "--source", options.Source, "--node-name", "node-1", "--cluster-cidr", "10.244.0.0/16", "--iptables-backend", options.Backend]);
        await agent.WaitForLineAsync(l => l.Contains("synced", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        foreach (var line in agent.Lines)
        {
            Console.WriteLine($"  nodeproxy: {line}");
        }

        Step("ClusterIP 10.96.0.88:88 (nginx-svc) from the nginx-test pod, until all three pods have answered");
        var seen = new HashSet<string>();
        for (var i = 0; i < 30 && seen.Count < 3 && !stop.IsCancellationRequested; i++)
        {
            var body = await Curl(lab.Pod("nginx-test"), "http://10.96.0.88:88/");
            seen.Add(body.Split(' ')[0]);
        }

        Step("NodePort 30000 (nginx-port) and hostPort 8081 (nginx-test) of node-1, from the outside client");
        var client = lab.Client("client");
        for (var i = 0; i < 3; i++)
        {
            await Curl(client, "http://192.168.56.11:30000/");
        }

        await Curl(client, "http://192.168.56.11:8081/");

        Step($"iptables -t nat -L -n -v in {node.Netns}");
        Console.WriteLine(await node.ExecAsync($"iptables-{options.Backend}", "-t", "nat", "-L", "-n", "-v"));

        await agent.StopAsync();
        Step("Removing every namespace, veth and process the demo made");
        var ok = seen.Count == 3;
        Console.WriteLine(ok ? "done: all three pods answered the ClusterIP" : $"only {seen.Count} of the three pods answered the ClusterIP");
        return ok ? 0 : 1;
    }

    private static async Task<string> Curl(LabHost from, string url)
    {
        var result = await from.TryExecAsync("curl", "-s", "--max-time", "3", url);
        var body = result.StandardOutput.Trim();
        Console.WriteLine($"{from.Name}$ curl {url}   ->   {(result.ExitCode == 0 ? body : $"failed (curl exit {result.ExitCode})")}");
        return body;
    }

    private static void Step(string text) => Console.WriteLine($"\n== {text}");
}
