using NodeProxy.Rendering;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Diff;

/// <summary>
/// The cold load at 10k services must not build its batch: the diff hands on the chains' own text.
/// Prints the heap each stage holds (meaningful when run alone, with
/// <c>--logger "console;verbosity=detailed"</c>; other tests share the heap); asserts only this
/// thread's allocations, which no other test touches.
/// </summary>
public sealed class ColdDiffMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void TheColdDiffOfTenThousandServicesAllocatesLessThanItsBatch()
    {
        var model = SyntheticModel.Create(10_000);
        var m0 = Heap();
        var cache = new RenderCache();
        var a0 = GC.GetAllocatedBytesForCurrentThread();
        var rules = cache.Render(model);
        var a1 = GC.GetAllocatedBytesForCurrentThread();
        var m1 = Heap();
        var batch = NodeProxy.Diff.Differ.Diff(NodeProxy.Diff.KernelTables.Empty, rules, stagingLimit: 50);
        var a2 = GC.GetAllocatedBytesForCurrentThread();
        var m2 = Heap();
        var (bytes, after) = (batch.Bytes, batch.After);
        batch = null;
        var m3 = Heap();

        output.WriteLine($"batch {Mib(bytes)}; chain text {Mib(rules.Tables.SelectMany(t => t.Chains).Sum(c => (long)c.Text.Bytes.Length))}");
        output.WriteLine($"render: allocated {Mib(a1 - a0)}, render cache + rule set hold {Mib(m1 - m0)}");
        output.WriteLine($"cold diff: allocated {Mib(a2 - a1)}, the batch holds {Mib(m2 - m1)}");
        output.WriteLine($"render cache + rule set + applied state: {Mib(m3 - m0)} (the applied state {Mib(m3 - m1)})");
        Assert.True(a2 - a1 < bytes, $"the cold diff allocated {Mib(a2 - a1)} for a batch of {Mib(bytes)}");
        GC.KeepAlive(after);
        GC.KeepAlive(cache);
    }

    private static string Mib(long bytes) => $"{bytes / 1048576.0:F1} MiB";

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
