using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using CliWrap;
using CliWrap.Buffered;
using Xunit;

namespace NodeProxy.Tests.Bench;

/// <summary>
/// `nodeproxy-bench plot`, run as a process the way docs/benchmarks.md says, re-draws the pictures
/// from a figures file without any kernel run.
/// </summary>
public sealed class PlotVerbTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // ScottPlot's first two palette colours: NodeProxy's series (and RSS), kube-proxy's (and peak RSS).
    private static readonly (byte, byte, byte) NodeProxyBlue = (0x1f, 0x77, 0xb4);
    private static readonly (byte, byte, byte) KubeProxyOrange = (0xff, 0x7f, 0x0e);

    private readonly string output = Directory.CreateTempSubdirectory("plot-verb-").FullName;

    public void Dispose() => Directory.Delete(output, recursive: true);

    [Fact]
    public async Task DrawsEveryPlotFromTheFiguresAsADecodablePngWithContent()
    {
        var result = await RunAsync(["plot", "--in", Path.Combine(TestPaths.TestData, "bench", "figures.json"), "--out", output]);

        Assert.True(result.ExitCode == 0, result.StandardError);
        string[] expected = ["change-cost.png", "cold-load.png", "first-packet.png", "memory.png"];
        Assert.Equal(expected, Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in expected)
        {
            var png = await File.ReadAllBytesAsync(Path.Combine(output, name));
            Assert.Equal(PngSignature, png[..8]);
            // IHDR, the first chunk: width and height, big-endian, at bytes 16-23.
            Assert.Equal((900, 560), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));
            // Both series colours, in more pixels than the legend's samples take (about 130 a colour):
            // the lines were drawn, not just the frame.
            var pixels = PngPixels.Decode(png);
            Assert.True(pixels.Count(NodeProxyBlue) > 400, $"{name}: {pixels.Count(NodeProxyBlue)} blue pixels");
            Assert.True(pixels.Count(KubeProxyOrange) > 400, $"{name}: {pixels.Count(KubeProxyOrange)} orange pixels");
        }
    }

    [Fact]
    public async Task AFiguresFileThatIsNotJsonIsRefusedByNameAndDrawsNothing()
    {
        var figures = Path.Combine(output, "results.json");
        await File.WriteAllTextAsync(figures, "| not | json |");

        var result = await RunAsync(["plot", "--in", figures, "--out", Path.Combine(output, "plots")]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cannot read the figures in {figures}", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "plots")));
    }

    private static Task<BufferedCommandResult> RunAsync(string[] args) =>
        Cli.Wrap("dotnet").WithArguments([BenchAssembly(), .. args])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

    /// <summary>
    /// The bench's own build output, in the same configuration as this assembly; the project
    /// reference (without its assembly) builds it first.
    /// </summary>
    private static string BenchAssembly([CallerFilePath] string source = "")
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))!;
        var framework = Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "NodeProxy.Bench", "bin", configuration, framework, "nodeproxy-bench.dll"));
        return File.Exists(path) ? path : throw new FileNotFoundException($"build tests/NodeProxy.Bench ({configuration}) first", path);
    }
}
