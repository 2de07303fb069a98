using System.Collections.Immutable;
using System.CommandLine;
using NodeProxy.Commands;
using NodeProxy.Cluster;
using NodeProxy.Model;
using NodeProxy.Sources;

namespace NodeProxy.Tests;

/// <summary>Manifests + node flags -> model, through the same source, flags and builder as the CLI.</summary>
internal sealed record TestPipeline(ModelResult Model, ImmutableArray<Problem> Problems, NodeConfig Config)
{
    /// <summary>A fixture folder: its manifests, and its node flags in a file named "flags".</summary>
    public static TestPipeline FromFixture(string dir) => FromFlags(dir, File.ReadAllText(Path.Combine(dir, "flags")));

    /// <summary>A golden case, testdata/golden/&lt;name&gt;.</summary>
    public static TestPipeline FromGoldenCase(string name) => FromFixture(Path.Combine(TestPaths.TestData, "golden", name));

    public static TestPipeline FromFlags(string source, string flags)
    {
        var config = ParseFlags(flags);
        var load = ManifestSource.Load(source);
        var model = ModelBuilder.Build(load.Snapshot, config);
        return new TestPipeline(model, [.. load.Problems, .. model.Problems], config);
    }

    public static NodeConfig ParseFlags(string flags)
    {
        var options = new NodeOptions();
        var command = new Command("test");
        options.AddTo(command);
        var args = flags.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Concat(["--source", "unused"]);
        var result = command.Parse([.. args]);
        if (result.Errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", result.Errors.Select(e => e.Message)));
        }

        return options.ToConfig(result);
    }
}
