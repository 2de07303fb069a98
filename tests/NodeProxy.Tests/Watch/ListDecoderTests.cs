using System.Text;
using k8s.Models;
using NodeProxy.Sources.Kubernetes;
using Xunit;
using Xunit.Abstractions;

namespace NodeProxy.Tests.Watch;

/// <summary>A list body is decoded as it streams in, one item at a time, never held whole.</summary>
public sealed class ListDecoderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AListIsDecodedItemByItemWithoutHoldingItsBody()
    {
        // 1,000 Services of 64 KB each on the wire (a field nothing reads makes them large), one
        // of them undecodable: 64 MB that must never be in memory at once.
        const int Count = 1000;
        var body = new GeneratedList(Count, itemBytes: 64 * 1024, poisoned: 500);

        var list = await ListDecoder<V1Service>.ReadAsync(body, CancellationToken.None);

        output.WriteLine($"{body.Length / 1024 / 1024} MB of list read with at most {body.PeakLiveBytes / 1024 / 1024} MB live");
        Assert.Equal("7", list.ResourceVersion);
        Assert.Equal(Count, list.Items.Count);
        var bad = Assert.Single(list.Items, i => i.Failed);
        Assert.Equal("default/svc500", bad.Ref.Display);
        Assert.All(list.Items.Where(i => !i.Failed), i => Assert.Equal(80, i.Object!.Spec.Ports[0].Port));
        Assert.InRange(body.PeakLiveBytes, 0, body.Length / 8);
    }

    [Fact]
    public async Task EnvelopeIsReadWhateverTheChunkingAndFieldOrder()
    {
        const string body = """
            {"kind":"ServiceList","extra":{"a":[1,{"items":[]}]},"items":[
              {"metadata":{"name":"a","namespace":"default"},"spec":{"ports":[{"port":80}]}},
              null,
              {"metadata":{"name":"b","namespace":"default"},"spec":{"ports":[{"port":"eighty"}]}}
            ],"metadata":{"resourceVersion":"42"}}
            """;

        var list = await ListDecoder<V1Service>.ReadAsync(new OneByteAtATime(Encoding.UTF8.GetBytes(body)), CancellationToken.None);

        Assert.Equal("42", list.ResourceVersion);
        Assert.Equal([false, true, true], list.Items.Select(i => i.Failed));
        Assert.Equal(80, list.Items[0].Object!.Spec.Ports[0].Port);
        Assert.Equal("default/b", list.Items[2].Ref.Display);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"items\":[{}")]
    [InlineData("{\"items\":7}")]
    public async Task NotAListIsAJsonException(string body) =>
        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => ListDecoder<V1Service>.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), CancellationToken.None));

    private sealed class OneByteAtATime(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }

    /// <summary>A ServiceList written as it is read, measuring the live managed memory as it goes.</summary>
    private sealed class GeneratedList(int count, int itemBytes, int poisoned) : Stream
    {
        private readonly string junk = new('x', itemBytes);
        private readonly long baseline = GC.GetTotalMemory(forceFullCollection: true);
        private byte[] pending = Encoding.UTF8.GetBytes("""{"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[""");
        private int offset;
        private int next;
        private int reads;

        public long PeakLiveBytes { get; private set; }

        public override long Length => (long)count * itemBytes;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            if (++reads % 256 == 0)
            {
                PeakLiveBytes = Math.Max(PeakLiveBytes, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }

            if (offset == pending.Length)
            {
                if (next > count)
                {
                    return 0;
                }

                pending = Encoding.UTF8.GetBytes(next == count ? "]}" : Item(next));
                offset = 0;
                next++;
            }

            var n = Math.Min(buffer.Length, pending.Length - offset);
            pending.AsSpan(offset, n).CopyTo(buffer);
            offset += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private string Item(int i)
        {
            var port = i == poisoned ? "\"eighty\"" : "80";
            return (i == 0 ? "" : ",")
                + $$$"""{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc{{{i}}}","namespace":"default"},"unread":"{{{junk}}}","""
                + $$$"""
                "spec":{"clusterIP":"10.96.0.1","ports":[{"port":{{{port}}},"protocol":"TCP"}]}}
                """;
        }
    }
}
