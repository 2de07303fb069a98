using System.Collections.Immutable;
using System.Net;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// Service IP dispatch in two levels: NP-SERVICES picks a bucket by the destination's last byte,
/// the bucket lists that bucket's service IPs. A first packet walks at most 256 + N/256 rules
/// instead of N, and a change rewrites one bucket, not every service's entry.
/// </summary>
internal sealed class Dispatch
{
    private readonly List<Rule>?[] buckets = new List<Rule>?[256];

    public void Add(IPAddress destination, Rule rule) => (buckets[Bucket(destination)] ??= []).Add(rule);

    /// <summary>The entries by bucket, in bucket order; each bucket's in the order they were added.</summary>
    public IEnumerable<(int Bucket, ImmutableArray<Rule> Rules)> Buckets() =>
        buckets.Select((rules, bucket) => (bucket, rules)).Where(b => b.rules is not null).Select(b => (b.bucket, b.rules!.ToImmutableArray()));

    public static int Bucket(IPAddress address) => address.GetAddressBytes()[^1];

    /// <summary>NP-SERVICES' jump per bucket in use, and each bucket's chain with every port's entries.</summary>
    public static void Write(IpFamily family, TableBuilder nat, PortRules ports, RenderCache cache)
    {
        for (var bucket = 0; bucket < 256; bucket++)
        {
            var rules = ports.Dispatch(bucket);
            if (rules.IsEmpty)
            {
                continue;
            }

            var chain = ChainNames.ServiceBucket(bucket);
            var value = (byte)bucket;
            nat.Add(ChainNames.Services, cache.Rule(chain, () => RuleBuilder.Commented($"service IPs whose last byte is {value}", new JumpTarget(chain))
                .To(LastByte(family, value, 0xff))));
            nat.Add(chain, rules);
        }
    }

    /// <summary>"-d 0.0.0.V/0.0.0.M": the bits of the address's last byte that <paramref name="mask"/> keeps equal <paramref name="value"/>.</summary>
    public static IpNet LastByte(IpFamily family, byte value, byte mask)
    {
        var length = family == IpFamily.V4 ? 4 : 16;
        var address = new byte[length];
        var bits = new byte[length];
        address[^1] = value;
        bits[^1] = mask;
        return IpNet.WithMask(new IPAddress(address), new IPAddress(bits));
    }
}
