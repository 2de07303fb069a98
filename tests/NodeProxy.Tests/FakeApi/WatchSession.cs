using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace NodeProxy.Tests.FakeApi;

/// <summary>One open watch: the lines waiting to be written to its connection, filled under the state's lock so none is lost or doubled.</summary>
public sealed class WatchSession(Selection selection, bool bookmarks, long startAfter, HttpContext context)
{
    readonly Channel<string> lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public Selection Selection => selection;
    public bool Bookmarks => bookmarks;
    public HttpContext Context => context;

    /// <summary>The newest resourceVersion queued, which is what a 410 mid-watch names.</summary>
    public long LastResourceVersion { get; private set; } = startAfter;

    public ChannelReader<string> Lines => lines.Reader;

    public void Offer(StoredEvent change)
    {
        // A watch from a future resourceVersion must not see what happened before it.
        if (change.ResourceVersion <= LastResourceVersion)
            return;
        if (change.SeenBy(selection) is { } type)
            Queue(WatchLine.Event(type, change.Current), change.ResourceVersion);
    }

    public void Queue(string line, long resourceVersion)
    {
        SeenUpTo(resourceVersion);
        lines.Writer.TryWrite(line);
    }

    /// <summary>Marks everything up to <paramref name="resourceVersion"/> as already delivered, as the synthetic ADDED events of a watch from scratch are.</summary>
    public void SeenUpTo(long resourceVersion) => LastResourceVersion = Math.Max(LastResourceVersion, resourceVersion);

    /// <summary>Ends the stream cleanly after what is queued.</summary>
    public void End() => lines.Writer.TryComplete();
}
