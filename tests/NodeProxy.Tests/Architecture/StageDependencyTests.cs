using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using NetArchTest.Rules;
using NodeProxy.Sync;
using Xunit;

namespace NodeProxy.Tests.Architecture;

/// <summary>
/// The folders under src/NodeProxy depend on each other one way, as docs/architecture.md draws
/// them: a stage uses what comes before it in the pipeline, never what comes after, so each can
/// be read, tested and replaced without the ones downstream of it.
/// </summary>
public sealed partial class StageDependencyTests
{
    /// <summary>What each folder may use besides itself. Net and Cluster are leaves every folder may use.</summary>
    private static readonly ImmutableDictionary<string, string[]> MayUse = new Dictionary<string, string[]>
    {
        ["Net"] = [],
        ["Cluster"] = ["Net"],
        ["Http"] = [],
        ["Sources"] = [],
        ["Model"] = [],
        // The vocabulary of rules: what the renderer writes and the differ, the tracer and Sync read.
        ["RuleSets"] = [],
        ["Rendering"] = ["Model", "RuleSets"],
        // The differ compares rule sets; it knows nothing of how they were rendered.
        ["Diff"] = ["RuleSets"],
        ["Conntrack"] = ["Model"],
        // Sync drives render, diff and conntrack clean-up through interfaces it defines
        // (IRuleTables, IConntrack); it never names the tools behind them.
        ["Sync"] = ["Model", "Rendering", "RuleSets", "Diff", "Conntrack"],
        // The edge: the tools that touch the kernel, implementing Sync's and Conntrack's interfaces.
        ["Apply"] = ["Sync", "Conntrack"],
        ["Trace"] = ["Model", "RuleSets"],
        ["Health"] = ["Http", "Sources", "Model"],
        // Observes every stage; no stage reports to it directly.
        ["Metrics"] = ["Sources", "Model", "Rendering", "RuleSets", "Diff", "Conntrack", "Sync", "Apply"],
        ["Commands"] = ["Http", "Sources", "Model", "RuleSets", "Rendering", "Diff", "Conntrack", "Sync", "Apply", "Trace", "Health", "Metrics"],
    }.ToImmutableDictionary();

    private static readonly string[] Leaves = ["Net", "Cluster"];

    public static TheoryData<string> Folders() => [.. MayUse.Keys.Order()];

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_folder_uses_only_what_it_may(string folder)
    {
        var forbidden = Forbidden(folder).Select(f => "NodeProxy." + f).ToArray();
        if (forbidden.Length == 0)
        {
            return;
        }

        var result = Types.InAssembly(typeof(SyncLoop).Assembly)
            .That().ResideInNamespace("NodeProxy." + folder)
            .ShouldNot().HaveDependencyOnAny(forbidden)
            .GetResult();

        Assert.True(result.IsSuccessful, $"{folder}/ reaches {string.Join(", ", forbidden)} from: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    /// <summary>
    /// The compiled check above cannot see a constant (the compiler copies its value), so the
    /// source is read too: a `using NodeProxy.X` or a `NodeProxy.X.` name in a forbidden folder.
    /// </summary>
    [Theory]
    [MemberData(nameof(Folders))]
    public void A_folder_names_only_what_it_may(string folder)
    {
        var forbidden = Forbidden(folder).ToHashSet();
        var reaches =
            from file in Directory.EnumerateFiles(Path.Combine(SourceRoot(), folder), "*.cs", SearchOption.AllDirectories)
            from line in File.ReadLines(file).Select((text, i) => (text, number: i + 1))
            from match in NodeProxyName().Matches(line.text)
            where forbidden.Contains(match.Groups[1].Value)
            select $"{Path.GetRelativePath(SourceRoot(), file)}:{line.number}: {line.text.Trim()}";

        Assert.Empty(reaches);
    }

    [Fact]
    public void Every_folder_has_a_place()
    {
        var folders = typeof(SyncLoop).Assembly.GetTypes()
            .Select(t => t.Namespace?.Split('.'))
            .Where(parts => parts is ["NodeProxy", _, ..])
            .Select(parts => parts![1])
            .ToHashSet();

        Assert.Empty(folders.Except(MayUse.Keys));
    }

    [Fact]
    public void Every_source_folder_has_a_place()
    {
        var folders = Directory.EnumerateDirectories(SourceRoot()).Select(Path.GetFileName).Except(["bin", "obj"]);

        Assert.Empty(folders.Except(MayUse.Keys));
    }

    [Fact]
    public void The_allowed_uses_have_no_cycle()
    {
        // Kahn's sort: a folder is placed once everything it may use is placed.
        var placed = new HashSet<string>();
        while (MayUse.Keys.FirstOrDefault(f => !placed.Contains(f) && MayUse[f].All(placed.Contains)) is { } next)
        {
            placed.Add(next);
        }

        Assert.Equal(MayUse.Keys.Order(), placed.Order());
    }

    private static IEnumerable<string> Forbidden(string folder) =>
        MayUse.Keys.Except(MayUse[folder].Append(folder).Concat(Leaves.Contains(folder) ? [] : Leaves));

    private static string SourceRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "..", "src", "NodeProxy"));

    [GeneratedRegex(@"\bNodeProxy\.([A-Z][A-Za-z]*)")]
    private static partial Regex NodeProxyName();
}
