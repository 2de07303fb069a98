using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NodeProxy.Model;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>The names of NodeProxy's chains, all starting with <see cref="Chain.OwnedPrefix"/>.</summary>
public static class ChainNames
{
    public const string Prefix = Chain.OwnedPrefix;
    public const string Services = "NP-SERVICES";
    public const string NodePorts = "NP-NODEPORTS";
    public const string HostPorts = "NP-HOSTPORTS";
    public const string Postrouting = "NP-POSTROUTING";
    public const string Hairpin = "NP-HAIRPIN";
    public const string ExternalServices = "NP-EXTERNAL-SERVICES";
    public const string Forward = "NP-FORWARD";
    public const string Firewall = "NP-FIREWALL";
    public const string Localnet = "NP-LOCALNET";

    /// <summary>Empty: the jump to it counts localhost NodePort connections (kube-proxy's nfacct counter).</summary>
    public const string LocalhostNodePorts = "NP-LOCALHOST-NODEPORTS";

    /// <summary>Empty chain whose disappearance tells that someone flushed the tables.</summary>
    public const string Canary = "NP-CANARY";

    // Printable ASCII but blank and the characters the hash input uses as separators and escape.
    private static readonly SearchValues<char> Plain =
        SearchValues.Create([.. Enumerable.Range('!', '~' - '!' + 1).Select(c => (char)c).Where(c => c is not ('/' or ':' or '%'))]);

    /// <summary>Second-level dispatch: service IPs whose last byte is <paramref name="bucket"/>.</summary>
    public static string ServiceBucket(int bucket) => $"NP-SVCS-{bucket:X2}";

    /// <summary>Hairpin check split by the pod IP's last byte: high nibble, then the whole byte.</summary>
    public static string HairpinBucket(int highNibble) => $"NP-HAIRPIN-{highNibble:X1}";

    public static string HairpinBucket(byte lastByte) => $"NP-HAIRPIN-{lastByte:X2}";

    /// <summary>Health check node ports in one block of <see cref="Renderer.HealthPortBlock"/> ports.</summary>
    public static string HealthPortBucket(int block) => $"NP-HCPORTS-{block:X3}";

    /// <summary>A chain of one service port's own, which no other port writes to.</summary>
    public static bool IsServiceOwned(string chain) =>
        chain.StartsWith("NP-SVC-", StringComparison.Ordinal) || chain.StartsWith("NP-SVL-", StringComparison.Ordinal)
        || chain.StartsWith("NP-EXT-", StringComparison.Ordinal) || chain.StartsWith("NP-FW-", StringComparison.Ordinal);

    public static string ClusterChain(ServicePort port) => "NP-SVC-" + PortHash(port);

    public static string LocalChain(ServicePort port) => "NP-SVL-" + PortHash(port);

    public static string ExternalChain(ServicePort port) => "NP-EXT-" + PortHash(port);

    public static string FirewallChain(ServicePort port) => "NP-FW-" + PortHash(port);

    /// <summary>xt_recent list that remembers which client chose this endpoint (affinity).</summary>
    public static string AffinityList(ServicePort port, Endpoint endpoint) =>
        "NP-" + Hash(Key(port.Name) + port.Protocol.Name() + endpoint);

    private static string PortHash(ServicePort port) => Hash(Key(port.Name) + port.Protocol.Name());

    // "namespace/name:port", as it always was for names the API server accepts, so their chains
    // keep their names. A part holding anything else ('/', ':', '%', blanks, controls, non-ASCII)
    // is percent-encoded by UTF-16 unit, so that no two different names give one input: without
    // this "a/b" + "c" and "a" + "b/c" would share a chain (and their rules), and so would two
    // different lone surrogates, which UTF-8 turns into the same U+FFFD.
    private static string Key(ServicePortName name)
    {
        var (ns, service, port) = (Part(name.Namespace), Part(name.Name), Part(name.Port));
        return port.Length == 0 ? $"{ns}/{service}" : $"{ns}/{service}:{port}";
    }

    private static string Part(string text)
    {
        if (!text.AsSpan().ContainsAnyExcept(Plain))
        {
            return text;
        }

        var encoded = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (Plain.Contains(c))
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    // 16 base32 characters (80 bits) keep names under iptables' 28-character limit.
    private static string Hash(string text)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Base32(digest)[..16];
    }

    private static string Base32(byte[] data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var text = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = buffer << 8 | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        return text.ToString();
    }
}
