namespace NodeProxy.Trace;

/// <summary>A branch leaving a hook: with a final verdict it ends there, without one it goes on.</summary>
internal readonly record struct HookExit(Flow Flow, Verdict? Final);
