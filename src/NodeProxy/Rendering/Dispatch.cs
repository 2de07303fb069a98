using System.Net;
using NodeProxy.Net;
using NodeProxy.RuleSets;

namespace NodeProxy.Rendering;

/// <summary>
/// Service IP dispatch in two levels: NP-SERVICES picks a bucket by the destination's last byte,
/// the bucket lists that bucket's service IPs. A first packet walks at most 256 + N/256 rules
/// instead of N, and a change rewrites one bucket, not every service's entry.
/// </summary>
internal sealed class Dispatch(IpFamily family)
{
    private readonly SortedDictionary<int, List<Rule>> buckets = [];

    public void Add(IPAddress destination, Rule rule)
    {
        var bucket = Bucket(destination);
        if (!buckets.TryGetValue(bucket, out var rules))
        {
            buckets[bucket] = rules = [];
        }

        rules.Add(rule);
    }

    /// <summary>Adds every entry to <paramref name="target"/>; per bucket, in the order they were added here.</summary>
    public void CopyTo(Dispatch target)
    {
        foreach (var (bucket, rules) in buckets)
        {
            if (!target.buckets.TryGetValue(bucket, out var list))
            {
                target.buckets[bucket] = list = [];
            }

            list.AddRange(rules);
        }
    }

    public static int Bucket(IPAddress address) => address.GetAddressBytes()[^1];

    public void WriteTo(TableBuilder nat)
    {
        foreach (var (bucket, rules) in buckets)
        {
            var chain = ChainNames.ServiceBucket(bucket);
            nat.Add(ChainNames.Services, RuleBuilder.Commented($"service IPs whose last byte is {bucket}", new JumpTarget(chain))
                .To(BucketMatch(bucket)));
            foreach (var rule in rules)
            {
                nat.Add(chain, rule);
            }
        }
    }

    private IpNet BucketMatch(int bucket) => LastByte(family, (byte)bucket, 0xff);

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
