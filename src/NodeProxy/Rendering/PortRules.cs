using System.Collections.Immutable;
using NodeProxy.Model;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// Every service port's rules put together (own chains, shared chains, dispatch buckets, hairpin
/// owners) and kept between renders. A new model is compared with the last one position by
/// position, by reference only: a sync after one endpoint change then touches that port and the
/// few chains it shares, not 10k ports (reading each port again cost more than the restore).
/// A model whose ports moved (a service added or removed) is put together again in full.
/// </summary>
internal sealed class PortRules
{
    /// <summary>Past this share of changed positions, putting it all together again is cheaper than patching.</summary>
    private const int PatchDivisor = 8;

    private ImmutableArray<ServicePort> ports = [];
    private ServiceRules[] rules = [];
    private ImmutableArray<Chain> owned = [];
    private int[] ownedStart = [0];
    private readonly Dictionary<string, int> ownedNames = [];
    private int duplicateOwnedNames;
    private readonly SortedDictionary<(string Table, string Chain), Contributions<Rule>> shared = new(OrdinalPairs.Instance);
    private readonly Contributions<Rule>[] dispatch = [.. Enumerable.Range(0, 256).Select(_ => new Contributions<Rule>())];
    private readonly Contributions<HairpinOwner> hairpins = new();
    private long endpoints;

    /// <summary>Every port's own chains, in port order.</summary>
    public ImmutableArray<Chain> Owned => owned;

    /// <summary>False when two ports own a chain of the same name, which must then be merged.</summary>
    public bool OwnedNamesUnique => duplicateOwnedNames == 0;

    /// <summary>Rules for chains several ports write to, by table and chain, each in port order.</summary>
    public IEnumerable<(string Table, string Chain, ImmutableArray<Rule> Rules)> Shared =>
        shared.Select(s => (s.Key.Table, s.Key.Chain, s.Value.All));

    /// <summary>A dispatch bucket's entries, in port order.</summary>
    public ImmutableArray<Rule> Dispatch(int bucket) => dispatch[bucket].All;

    public ImmutableArray<HairpinOwner> Hairpins => hairpins.All;

    /// <summary>
    /// Endpoints of every port of <paramref name="next"/>, counting only the changed positions
    /// when the ports did not move.
    /// </summary>
    public long Endpoints(ImmutableArray<ServicePort> next)
    {
        if (Changed(next) is not { } changed)
        {
            return next.Sum(Count);
        }

        var total = endpoints;
        foreach (var i in changed)
        {
            total += Count(next[i]) - Count(ports[i]);
        }

        return total;
    }

    /// <summary>Brings everything up to <paramref name="next"/>; <paramref name="rulesOf"/> gives a port's rules (cached or fresh).</summary>
    /// <param name="same">Whether a port whose position now holds another instance renders the same (the render cache's equality).</param>
    public void Update(ImmutableArray<ServicePort> next, Func<ServicePort, ServiceRules> rulesOf, Func<ServicePort, ServicePort, bool> same)
    {
        var changed = Changed(next);
        if (changed is null || changed.Count > next.Length / PatchDivisor + 1)
        {
            Rebuild(next, rulesOf, same);
            return;
        }

        ImmutableArray<Chain>.Builder? ownedBuilder = null;
        foreach (var i in changed)
        {
            var before = rules[i];
            var after = same(ports[i], next[i]) ? before : rulesOf(next[i]);
            endpoints += Count(next[i]) - Count(ports[i]);
            if (ReferenceEquals(before, after))
            {
                continue;
            }

            rules[i] = after;
            Remove(i, before);
            ownedBuilder ??= owned.ToBuilder();
            ReplaceOwned(ownedBuilder, i, before.Owned, after.Owned);
            Add(i, after);
        }

        if (ownedBuilder is not null)
        {
            owned = ownedBuilder.DrainToImmutable();
        }

        ports = next;
    }

    private List<int>? Changed(ImmutableArray<ServicePort> next)
    {
        if (ports.Length != next.Length || rules.Length != next.Length)
        {
            return null;
        }

        var changed = new List<int>();
        for (var i = 0; i < next.Length; i++)
        {
            if (!ReferenceEquals(ports[i], next[i]))
            {
                changed.Add(i);
            }
        }

        return changed;
    }

    private void Rebuild(ImmutableArray<ServicePort> next, Func<ServicePort, ServiceRules> rulesOf, Func<ServicePort, ServicePort, bool> same)
    {
        // The last rules by port name: a port that is still there, unchanged, keeps them.
        var last = new Dictionary<ServicePortName, int>();
        for (var i = 0; i < ports.Length; i++)
        {
            last.TryAdd(ports[i].Name, i);
        }

        var fresh = new ServiceRules[next.Length];
        var unrendered = new List<int>();
        for (var i = 0; i < next.Length; i++)
        {
            var port = next[i];
            if (last.TryGetValue(port.Name, out var at) && same(ports[at], port))
            {
                fresh[i] = rules[at];
            }
            else
            {
                unrendered.Add(i);
            }
        }

        // Each port renders on its own, into builders of its own.
        Fanout.For(unrendered, i => fresh[i] = rulesOf(next[i]));

        rules = fresh;
        ports = next;
        endpoints = next.Sum(Count);
        ownedNames.Clear();
        duplicateOwnedNames = 0;
        shared.Clear();
        foreach (var bucket in dispatch)
        {
            bucket.Clear();
        }

        hairpins.Clear();
        var allOwned = ImmutableArray.CreateBuilder<Chain>();
        ownedStart = new int[next.Length + 1];
        for (var i = 0; i < next.Length; i++)
        {
            ownedStart[i] = allOwned.Count;
            allOwned.AddRange(rules[i].Owned);
            Add(i, rules[i]);
        }

        ownedStart[next.Length] = allOwned.Count;
        owned = allOwned.ToImmutable();
    }

    /// <summary>Port <paramref name="index"/>'s own chains go from <paramref name="before"/> to <paramref name="after"/>; later ports' chains move if the count changed.</summary>
    private void ReplaceOwned(ImmutableArray<Chain>.Builder all, int index, ImmutableArray<Chain> before, ImmutableArray<Chain> after)
    {
        var start = ownedStart[index];
        if (before.Length == after.Length)
        {
            for (var k = 0; k < after.Length; k++)
            {
                all[start + k] = after[k];
            }

            return;
        }

        all.RemoveRange(start, before.Length);
        all.InsertRange(start, after);
        var shift = after.Length - before.Length;
        for (var i = index + 1; i < ownedStart.Length; i++)
        {
            ownedStart[i] += shift;
        }
    }

    /// <summary>Everything of <paramref name="portRules"/> but its own chains' places, which <see cref="ReplaceOwned"/> and <see cref="Rebuild"/> handle.</summary>
    private void Add(int index, ServiceRules portRules)
    {
        foreach (var chain in portRules.Owned)
        {
            var count = ownedNames.GetValueOrDefault(chain.Name);
            ownedNames[chain.Name] = count + 1;
            duplicateOwnedNames += count > 0 ? 1 : 0;
        }

        foreach (var (chain, chainRules) in portRules.Nat)
        {
            SharedChain("nat", chain).Set(index, chainRules);
        }

        foreach (var (chain, chainRules) in portRules.Filter)
        {
            SharedChain("filter", chain).Set(index, chainRules);
        }

        foreach (var (bucket, bucketRules) in portRules.Dispatch)
        {
            dispatch[bucket].Set(index, bucketRules);
        }

        if (!portRules.Hairpins.IsEmpty)
        {
            hairpins.Set(index, portRules.Hairpins);
        }
    }

    private void Remove(int index, ServiceRules portRules)
    {
        foreach (var chain in portRules.Owned)
        {
            var count = ownedNames[chain.Name];
            duplicateOwnedNames -= count > 1 ? 1 : 0;
            if (count == 1)
            {
                ownedNames.Remove(chain.Name);
            }
            else
            {
                ownedNames[chain.Name] = count - 1;
            }
        }

        foreach (var (chain, _) in portRules.Nat)
        {
            shared[("nat", chain)].Remove(index);
        }

        foreach (var (chain, _) in portRules.Filter)
        {
            shared[("filter", chain)].Remove(index);
        }

        foreach (var (bucket, _) in portRules.Dispatch)
        {
            dispatch[bucket].Remove(index);
        }

        hairpins.Remove(index);
    }

    private Contributions<Rule> SharedChain(string table, string chain)
    {
        if (!shared.TryGetValue((table, chain), out var contributions))
        {
            shared[(table, chain)] = contributions = new Contributions<Rule>();
        }

        return contributions;
    }

    private sealed class OrdinalPairs : IComparer<(string Table, string Chain)>
    {
        public static readonly OrdinalPairs Instance = new();

        public int Compare((string Table, string Chain) x, (string Table, string Chain) y)
        {
            var table = string.CompareOrdinal(x.Table, y.Table);
            return table != 0 ? table : string.CompareOrdinal(x.Chain, y.Chain);
        }
    }

    private static long Count(ServicePort port) => port.ClusterEndpoints.Length + port.LocalEndpoints.Length;

    /// <summary>What each port adds to one list, in port order; the whole list is kept until a port's part changes.</summary>
    private sealed class Contributions<T>
    {
        private readonly SortedList<int, ImmutableArray<T>> byPort = [];
        private ImmutableArray<T>? all;

        public ImmutableArray<T> All => all ??= [.. byPort.Values.SelectMany(v => v)];

        public void Set(int port, ImmutableArray<T> items)
        {
            byPort[port] = items;
            all = null;
        }

        public void Remove(int port)
        {
            if (byPort.Remove(port))
            {
                all = null;
            }
        }

        public void Clear()
        {
            byPort.Clear();
            all = null;
        }
    }
}
