using System.Globalization;

namespace NodeProxy.Model;

/// <summary>An inclusive range of port numbers, written "30000-32767" as kube-apiserver takes it.</summary>
public readonly record struct PortRange(int First, int Last)
{
    public static readonly PortRange DefaultNodePorts = new(30000, 32767);

    public bool Contains(int port) => port >= First && port <= Last;

    /// <summary>"FIRST-LAST" or a single "PORT"; kube-apiserver also takes "FIRST+SIZE", which nobody uses for node ports.</summary>
    public static bool TryParse(string? text, out PortRange range)
    {
        range = default;
        var parts = (text ?? "").Trim().Split('-');
        if (parts.Length is < 1 or > 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || first is < 1 or > 65535 || last < first || last > 65535)
        {
            return false;
        }

        range = new PortRange(first, last);
        return true;
    }

    public override string ToString() => $"{First}-{Last}";
}
