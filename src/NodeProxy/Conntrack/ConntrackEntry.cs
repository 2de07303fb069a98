using System.Globalization;
using System.Net;
using NodeProxy.Net;

namespace NodeProxy.Conntrack;

/// <summary>
/// One connectionless entry of the conntrack table, as much as cleanup needs: where its first
/// packet was sent (<see cref="Destination"/>:<see cref="Port"/>) and who answers it
/// (<see cref="ReplySource"/>: the endpoint it was DNATed to, or the destination itself).
/// </summary>
public sealed record ConntrackEntry(Protocol Protocol, IPAddress Destination, int Port, IPAddress ReplySource)
{
    /// <summary>
    /// `conntrack -L` output, one entry a line ("udp 17 29 src=A dst=B sport=1 dport=2 [UNREPLIED]
    /// src=B dst=A sport=2 dport=1 ..."): the first dst and dport are the original direction's, the
    /// second src is the reply's. TCP and lines that do not read so are skipped.
    /// </summary>
    public static IEnumerable<ConntrackEntry> Parse(string listing)
    {
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryParse(line, out var entry))
            {
                yield return entry;
            }
        }
    }

    private static bool TryParse(string line, out ConntrackEntry entry)
    {
        entry = null!;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var protocol = fields.Length > 0 ? fields[0] switch { "udp" => Protocol.Udp, "sctp" => Protocol.Sctp, _ => Protocol.Tcp } : Protocol.Tcp;
        if (protocol == Protocol.Tcp)
        {
            return false;
        }

        string? destination = null, port = null, replySource = null;
        var sources = 0;
        foreach (var field in fields)
        {
            var (key, value) = field.IndexOf('=') is var at and > 0 ? (field[..at], field[(at + 1)..]) : ("", "");
            switch (key)
            {
                case "src" when ++sources == 2:
                    replySource = value;
                    break;
                case "dst":
                    destination ??= value;
                    break;
                case "dport":
                    port ??= value;
                    break;
            }
        }

        if (!IpText.TryParseAddress(destination ?? "", out var to) || !IpText.TryParseAddress(replySource ?? "", out var from)
            || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        entry = new ConntrackEntry(protocol, to, number, from);
        return true;
    }
}
