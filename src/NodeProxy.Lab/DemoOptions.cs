namespace NodeProxy.Lab;

/// <summary>The demo's few flags; anything unknown is an error, not a surprise.</summary>
public sealed record DemoOptions(string Source, string Backend)
{
    public static DemoOptions Parse(string[] args)
    {
        string? source = null;
        var backend = "nft";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--source" when i + 1 < args.Length:
                    source = args[++i];
                    break;
                case "--iptables-backend" when i + 1 < args.Length && args[i + 1] is "nft" or "legacy":
                    backend = args[++i];
                    break;
                default:
                    throw new ArgumentException($"unknown or incomplete flag '{args[i]}'");
            }
        }

        return new DemoOptions(source ?? FindExamples(), backend);
    }

    /// <summary>examples/nginx of the checkout the demo runs from, wherever it was started.</summary>
    private static string FindExamples()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "examples", "nginx");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new ArgumentException("cannot find examples/nginx: run the demo from the repository, or pass --source");
    }
}
