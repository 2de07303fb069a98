namespace NodeProxy.Http;

/// <summary>
/// The connections one listener holds, oldest first, at most <paramref name="capacity"/>. A new
/// connection beyond that evicts the oldest rather than being refused: a probe arriving while
/// thousands of idle sockets sit on the port is still answered, and the idle ones go first.
/// </summary>
internal sealed class ConnectionBudget(string listener, int capacity)
{
    private readonly Lock gate = new();
    private readonly LinkedList<IEvictable> live = new();
    private readonly Dictionary<IEvictable, LinkedListNode<IEvictable>> nodes = [];

    public int Capacity => capacity;

    public int Count
    {
        get
        {
            lock (gate)
            {
                return live.Count;
            }
        }
    }

    /// <returns>The connection that has to make room, if any; the caller aborts it.</returns>
    public IEvictable? Admit(IEvictable connection)
    {
        lock (gate)
        {
            IEvictable? evicted = null;
            if (live.Count >= capacity && live.First is { } oldest)
            {
                evicted = oldest.Value;
                live.RemoveFirst();
                nodes.Remove(evicted);
            }

            nodes[connection] = live.AddLast(connection);
            ListenerMetrics.Connections.WithLabels(listener).Set(live.Count);
            return evicted;
        }
    }

    public void Release(IEvictable connection)
    {
        lock (gate)
        {
            if (nodes.Remove(connection, out var node))
            {
                live.Remove(node);
                ListenerMetrics.Connections.WithLabels(listener).Set(live.Count);
            }
        }
    }
}

/// <summary>A connection the budget can close to make room.</summary>
internal interface IEvictable
{
    void Evict();
}
