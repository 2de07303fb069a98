using System.Collections.Immutable;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// One service port's contribution to the tables, replayable into the real builders. Its own
/// chains are kept as finished <see cref="Chain"/> objects, so every render hands the differ the
/// same instances for an unchanged port and the differ can pass over them by reference.
/// </summary>
/// <param name="Owned">The port's own nat chains (NP-SVC-, NP-SVL-, NP-EXT-, NP-FW-), which no other port writes to.</param>
/// <param name="Nat">Rules for shared nat chains (NP-NODEPORTS).</param>
/// <param name="Filter">Rules for shared filter chains.</param>
/// <param name="Dispatch">Service IP entries by dispatch bucket, each bucket's in the order they were added.</param>
internal sealed record ServiceRules(
    ImmutableArray<Chain> Owned,
    ImmutableArray<(string Chain, ImmutableArray<Rule> Rules)> Nat,
    ImmutableArray<(string Chain, ImmutableArray<Rule> Rules)> Filter,
    ImmutableArray<(int Bucket, ImmutableArray<Rule> Rules)> Dispatch,
    ImmutableArray<HairpinOwner> Hairpins);
