using System.Text.Json;

namespace NodeProxy.Bench.Plots;

/// <summary>
/// <c>plot</c>: re-draws the pictures from the figures a <c>scale</c> run wrote (results.json),
/// so a change to the pictures does not need a 10-minute kernel run.
/// </summary>
internal static class PlotCommand
{
    public const string Usage = "usage: nodeproxy-bench plot [--in docs/benchmarks/results.json] [--out docs/benchmarks]";

    public static int Run(string[] args)
    {
        var input = "docs/benchmarks/results.json";
        var output = "docs/benchmarks";
        for (var i = 1; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length || args[i] is not ("--in" or "--out"))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            if (args[i] == "--in")
            {
                input = args[i + 1];
            }
            else
            {
                output = args[i + 1];
            }
        }

        BenchFigures figures;
        try
        {
            figures = BenchFigures.FromJson(File.ReadAllText(input));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            Console.Error.WriteLine($"cannot read the figures in {input}: {e.Message}");
            return 1;
        }

        foreach (var path in BenchPlots.Write(figures, output))
        {
            Console.Error.WriteLine($"wrote {path}");
        }

        return 0;
    }
}
