namespace NodeProxy.Bench;

/// <summary>`restore [--services 1000,10000] [--repeat 5] [--out docs/benchmarks/restore.md]`.</summary>
internal sealed record BenchOptions(IReadOnlyList<int> Services, int Repeat, string Out)
{
    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] != "restore")
        {
            throw new ArgumentException("usage: nodeproxy-bench restore [--services 1000,10000] [--repeat 5] [--out docs/benchmarks/restore.md]");
        }

        var options = new BenchOptions([1_000, 10_000], 5, "docs/benchmarks/restore.md");
        for (var i = 1; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--services" => options with { Services = [.. value.Split(',').Select(int.Parse)] },
                "--repeat" => options with { Repeat = int.Parse(value) },
                "--out" => options with { Out = value },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        return options.Repeat >= 1 && options.Services.All(n => n >= 10)
            ? options
            : throw new ArgumentException("--repeat must be at least 1 and every --services count at least 10");
    }
}
