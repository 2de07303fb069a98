using System.Globalization;
using NodeProxy.Net;

namespace NodeProxy.RuleSets;

/// <summary>
/// An extension match ("-m ..."). Each renders in the exact form iptables-save prints it, so a
/// rule read back from the kernel compares equal, as a string, to the rule we wrote.
/// </summary>
public abstract record Match
{
    public abstract string Render();
}

/// <summary>
/// "-m comment": the text is sanitized when the match is made, so the rules, the trace and the
/// kernel all show the same comment, and no name can write anything else into a rule.
/// </summary>
public sealed record CommentMatch : Match
{
    public CommentMatch(string text) => Text = CommentText.Sanitize(text);

    public string Text { get; }

    public override string Render() => "-m comment --comment " + CommentText.Quote(Text);
}

/// <summary>"-m tcp --dport 80": needs a matching "-p" on the rule.</summary>
public sealed record DestinationPortMatch(Protocol Protocol, int Port) : Match
{
    public override string Render() => $"-m {Protocol.Name()} --dport {Port}";
}

/// <summary>"-m tcp --dport FROM:TO", both ends included.</summary>
public sealed record DestinationPortRangeMatch(Protocol Protocol, int From, int To) : Match
{
    public override string Render() => $"-m {Protocol.Name()} --dport {From}:{To}";
}

public sealed record AddrTypeLocalMatch(bool OfSource, bool Negated = false) : Match
{
    public override string Render() =>
        $"-m addrtype {(Negated ? "! " : "")}{(OfSource ? "--src-type" : "--dst-type")} LOCAL";
}

/// <summary>A random branch taken with the given probability.</summary>
public sealed record StatisticMatch(double Probability) : Match
{
    /// <summary>
    /// The kernel keeps the probability as a 31-bit fraction and iptables-save prints it with 11
    /// decimals, so we write the value it will read back.
    /// </summary>
    public static StatisticMatch OneIn(int n)
    {
        var stored = Math.Round(2147483648.0 / n, MidpointRounding.AwayFromZero);
        return new StatisticMatch(stored / 2147483648.0);
    }

    public override string Render() =>
        $"-m statistic --mode random --probability {Probability.ToString("F11", CultureInfo.InvariantCulture)}";
}

public enum RecentMode
{
    /// <summary>Record the source in the list; always matches.</summary>
    Set,

    /// <summary>
    /// Matches when the source was recorded in the last Seconds (expired entries reaped), and
    /// refreshes the record ("--update"), so an active client keeps its endpoint as with kube-proxy,
    /// whose affinity hit re-runs "--set".
    /// </summary>
    Check,
}

/// <summary>xt_recent, which carries ClientIP session affinity as kube-proxy does.</summary>
public sealed record RecentMatch(string ListName, RecentMode Mode, int Seconds, IpFamily Family) : Match
{
    public override string Render()
    {
        var mask = Family == IpFamily.V4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        return Mode == RecentMode.Set
            ? $"-m recent --set --name {ListName} --mask {mask} --rsource"
            : $"-m recent --update --seconds {Seconds} --reap --name {ListName} --mask {mask} --rsource";
    }
}

public sealed record MarkMatch(uint Mark, bool Negated = false) : Match
{
    public override string Render() => $"-m mark {(Negated ? "! " : "")}--mark {Hex(Mark)}/{Hex(Mark)}";

    internal static string Hex(uint value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}

public sealed record ConntrackStateMatch(string States, bool Negated = false) : Match
{
    public override string Render() => $"-m conntrack {(Negated ? "! " : "")}--ctstate {States}";
}
