using System.Text;
using System.Text.Json;
using k8s.Models;
using NodeProxy.Sources.Kubernetes;
using Xunit;

namespace NodeProxy.Tests.Watch;

/// <summary>
/// A server that sends one endless object (broken, or not the API server it claims to be) costs
/// the agent a bounded buffer and a refused list or watch, never all its memory.
/// </summary>
public sealed class OversizedInputTests
{
    [Fact]
    public async Task AListItemLargerThanTheCapRefusesTheListAfterReadingAboutTheCap()
    {
        var body = new Endless("{\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[{\"metadata\":{\"name\":\"a\",\"namespace\":\"default\"},\"spec\":{\"x\":\""u8.ToArray());

        await Assert.ThrowsAsync<JsonException>(() => ListDecoder<V1Service>.ReadAsync(body, CancellationToken.None));

        Assert.InRange(body.Served, ListDecoder<V1Service>.MaxItemBytes, ListDecoder<V1Service>.MaxItemBytes + (1 << 20));
    }

    [Fact]
    public async Task AWatchEventLargerThanTheCapEndsTheWatchAfterTheEventsBeforeIt()
    {
        var before = Encoding.UTF8.GetBytes("""{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"5"}}}""" + "\r\n\n");
        var body = new Endless([.. before, .. "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"},\"spec\":{\"x\":\""u8.ToArray()]);
        var events = new List<WatchEvent<V1Service>>();

        await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var e in WatchDecoder<V1Service>.ReadAsync(body, CancellationToken.None))
            {
                events.Add(e);
            }
        });

        Assert.Equal(WatchEventType.Bookmark, Assert.Single(events).Type);
        Assert.InRange(body.Served, WatchDecoder<V1Service>.MaxEventBytes, WatchDecoder<V1Service>.MaxEventBytes + (1 << 20));
    }

    [Fact]
    public async Task ALastEventWithoutItsNewlineIsStillRead()
    {
        var text = """{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"5"}}}""" + "\n\n" + """{"type":"DELETED","object":{"metadata":{"name":"a","namespace":"default"}}}""";
        var events = new List<WatchEvent<V1Service>>();

        await foreach (var e in WatchDecoder<V1Service>.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), CancellationToken.None))
        {
            events.Add(e);
        }

        Assert.Equal([WatchEventType.Bookmark, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal("default/a", events[1].Ref.Display);
    }

    /// <summary>
    /// A prefix, then 'x' up to 64 MiB (four times the cap, so that a decoder without one ends
    /// with the stream, having read it all, rather than the test with the machine's memory):
    /// counts what was read of it.
    /// </summary>
    private sealed class Endless(byte[] prefix) : Stream
    {
        private const long End = 64 << 20;

        public long Served { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = 0;
            for (; n < count && Served < End; n++, Served++)
            {
                buffer[offset + n] = Served < prefix.Length ? prefix[Served] : (byte)'x';
            }

            return n;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Served; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
