namespace NodeProxy.Trace;

/// <summary>How the first packet's journey through NodeProxy's rules ends.</summary>
public enum Verdict
{
    /// <summary>Delivered to its original destination: no rule stopped it or rewrote it.</summary>
    Accepted,

    /// <summary>Delivered, to the DNAT destination of the outcome.</summary>
    Dnat,

    /// <summary>Refused with an ICMP error: the client sees "connection refused" or similar.</summary>
    Reject,

    /// <summary>Silently discarded: the client times out.</summary>
    Drop,

    /// <summary>A rule's target is not modelled (live rules only): the trace cannot say what happens next.</summary>
    Unknown,
}
