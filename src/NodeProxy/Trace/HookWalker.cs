using System.Collections.Immutable;
using NodeProxy.RuleSets;
using NodeProxy.Trace.Live;

namespace NodeProxy.Trace;

/// <summary>
/// Runs the packet through one table at one hook (nat PREROUTING, filter FORWARD, ...). It is a
/// loop over an explicit call stack, not recursion, so a service with thousands of statistic
/// branches cannot exhaust the thread's stack. With <see cref="LiveTables"/> it walks what a node
/// holds: each step carries the rule's counters, and falling off a built-in chain meets its policy.
/// </summary>
internal sealed class HookWalker(RuleSet rules, RuleMatcher matcher, LiveTables? live = null)
{
    // iptables refuses jump loops, so anything this deep is a broken rule set.
    private const int MaxJumpDepth = 64;

    // Far beyond any real service (one branch per endpoint), small enough to fail before memory does.
    private const int MaxBranches = 1 << 18;

    /// <summary>Where each branch leaves the hook; a null verdict means it goes on along its path.</summary>
    public List<HookExit> Walk(string tableName, string hook, Flow flow)
    {
        var exits = new List<HookExit>();
        if (rules.Find(tableName) is not { } table)
        {
            exits.Add(new HookExit(flow, null));
            return exits;
        }

        // Rendered rules: a built-in chain holds only NodeProxy's jumps as far as we know, and its
        // policy is ACCEPT. Live rules: it holds everything the kernel listed, and its real policy.
        var jumps = table.Jumps.Where(j => j.BuiltinChain == hook).Select(j => j.Rule).ToImmutableArray();
        var pending = new Stack<Branch>();
        pending.Push(new Branch(flow, ImmutableStack.Create(new Frame(hook, jumps, 0, 0))));
        while (pending.TryPop(out var branch))
        {
            exits.Add(Run(table, hook, branch, pending));
            if (exits.Count + pending.Count > MaxBranches)
            {
                throw new InvalidOperationException($"the trace forks into more than {MaxBranches} branches in {tableName} {hook}");
            }
        }

        return exits;
    }

    // Branches forked by statistic rules go on "pending"; the matching branch is followed first.
    private HookExit Run(Table table, string hook, Branch branch, Stack<Branch> pending)
    {
        var (flow, frames) = branch;
        while (!frames.IsEmpty)
        {
            frames = frames.Pop(out var frame);
            if (frame.Next >= frame.Rules.Length)
            {
                // Falling off a chain returns to the caller; falling off the built-in one accepts.
                continue;
            }

            var rule = frame.Rules[frame.Next];
            frames = frames.Push(frame with { Next = frame.Next + 1 });
            var chance = matcher.Chance(rule, flow, out var undecided);
            if (chance <= 0)
            {
                continue;
            }

            var number = frame.Next + 1;
            if (undecided is not null)
            {
                // Never guessed: both answers are followed, each saying what it assumed.
                var where = $"{table.Name} {frame.Chain} #{number}";
                pending.Push(new Branch(flow.Assume($"{where} did not match ({undecided})"), frames));
                flow = flow.Assume($"{where} matched ({undecided})");
            }

            if (chance < 1)
            {
                pending.Push(new Branch(flow with { Probability = flow.Probability * (1 - chance) }, frames));
                flow = flow with { Probability = flow.Probability * chance };
            }

            var facts = live?.Find(table.Name, frame.Chain, number);
            var step = new TraceStep(
                table.Name, frame.Chain, number, $"-A {frame.Chain} {facts?.Text ?? rule.RenderSpec()}", rule.Comment, rule.Target.Render())
            {
                Packets = facts?.Packets,
                Bytes = facts?.Bytes,
            };
            switch (rule.Target)
            {
                case JumpTarget jump when table.Find(jump.Chain) is { } chain:
                    if (frame.Depth >= MaxJumpDepth)
                    {
                        throw new InvalidOperationException($"jumps in table {table.Name} nest deeper than {MaxJumpDepth} at {jump.Chain}: a loop?");
                    }

                    flow = flow.Record(step);
                    frames = frames.Push(new Frame(chain.Name, chain.Rules, 0, frame.Depth + 1));
                    break;
                case JumpTarget jump:
                    flow = flow.Record(step with { Note = $"chain {jump.Chain} does not exist in table {table.Name}; the jump did nothing" });
                    break;
                case GotoTarget jump when table.Find(jump.Chain) is { } chain:
                    // Falling off a goto's chain returns past the chain that went there.
                    flow = flow.Record(step);
                    frames = frames.Pop(out var current).Push(new Frame(chain.Name, chain.Rules, 0, current.Depth + 1));
                    break;
                case XmarkTarget mark:
                    flow = flow.Record(step) with { Mark = mark.Apply(flow.Mark) };
                    break;
                case ContinueTarget:
                    flow = flow.Record(step);
                    break;
                case SnatTarget:
                    return new HookExit(flow.Record(step) with { Masqueraded = true }, null);
                case UnknownTarget or GotoTarget:
                    return new HookExit(flow.Record(step with { Note = "the tracer does not model this target; what follows is unknown" }), Verdict.Unknown);
                case SetMarkTarget mark:
                    flow = flow.Record(step) with { Mark = flow.Mark | mark.Mark };
                    break;
                case ClearMarkTarget mark:
                    flow = flow.Record(step) with { Mark = flow.Mark ^ mark.Mark };
                    break;
                case DnatTarget dnat:
                    // NAT is decided once per hook: the first DNAT ends the nat table here.
                    return new HookExit(
                        flow.Record(step) with { Destination = dnat.Address, DestinationPort = dnat.Port, Dnatted = true }, null);
                case MasqueradeTarget:
                    return new HookExit(flow.Record(step) with { Masqueraded = true }, null);
                case RejectTarget:
                    return new HookExit(flow.Record(step), Verdict.Reject);
                case VerdictTarget { Verdict: "ACCEPT" }:
                    return new HookExit(flow.Record(step), null);
                case VerdictTarget { Verdict: "DROP" }:
                    return new HookExit(flow.Record(step), Verdict.Drop);
                case VerdictTarget { Verdict: "RETURN" }:
                    flow = flow.Record(step);
                    frames = frames.Pop();
                    break;
                default:
                    throw new NotSupportedException($"the tracer does not model the target '{rule.Target.Render()}'");
            }
        }

        return Policy(table.Name, hook, flow);
    }

    // Only a live node's tables have policies to meet; rendered ones accept.
    private HookExit Policy(string table, string hook, Flow flow)
    {
        if (live is null || live.Policy(table, hook) is not ("DROP" and var policy))
        {
            return new HookExit(flow, null);
        }

        var facts = live.Policies[(table, hook)];
        var step = new TraceStep(table, hook, 0, $":{hook} {policy}", null, $"policy {policy}") { Packets = facts.Packets, Bytes = facts.Bytes };
        return new HookExit(flow.Record(step), Verdict.Drop);
    }

    private readonly record struct Frame(string Chain, ImmutableArray<Rule> Rules, int Next, int Depth);

    private readonly record struct Branch(Flow Flow, ImmutableStack<Frame> Frames);
}
