using BenchmarkDotNet.Attributes;
using NodeProxy.Apply;
using NodeProxy.Diff;
using NodeProxy.Model;
using NodeProxy.Rendering;
using NodeProxy.Tests.Diff;

namespace NodeProxy.Bench;

/// <summary>
/// The in-process part of a sync, as the agent runs it (render cache, then the diff against what
/// was applied), without the kernel: what every sync costs before iptables-restore starts.
/// </summary>
[MemoryDiagnoser]
public class RenderDiffBenchmarks
{
    private NodeModel model = null!;
    private NodeModel changed = null!;
    private RenderCache cache = null!;
    private KernelTables applied = null!;
    private bool flip;

    [Params(1_000, 10_000, 30_000)]
    public int Services { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        model = SyntheticModel.Create(Services, mix: BenchOptions.Mix);
        changed = KubeProxyBench.OneEndpointChange(model, 0, 1);
        cache = new RenderCache();
        applied = Differ.Diff(KernelTables.Empty, cache.Render(model), stagingLimit: IptablesTool.DefaultNftStagingLimit).After;
    }

    /// <summary>A first sync: nothing cached, nothing applied.</summary>
    [Benchmark]
    public RestoreBatch ColdSync() =>
        Differ.Diff(KernelTables.Empty, new RenderCache().Render(model), stagingLimit: IptablesTool.DefaultNftStagingLimit);

    /// <summary>One endpoint of one service changes, back and forth, so every call has exactly one change to find.</summary>
    [Benchmark]
    public RestoreBatch OneEndpointChange()
    {
        flip = !flip;
        var batch = Differ.Diff(applied, cache.Render(flip ? changed : model), stagingLimit: IptablesTool.DefaultNftStagingLimit);
        applied = batch.After;
        return batch;
    }

    /// <summary>A sync with nothing to do (a resync timer, an unrelated object): must cost next to nothing.</summary>
    [Benchmark]
    public RestoreBatch NoChange()
    {
        var batch = Differ.Diff(applied, cache.Render(flip ? changed : model), stagingLimit: IptablesTool.DefaultNftStagingLimit);
        applied = batch.After;
        return batch;
    }
}
