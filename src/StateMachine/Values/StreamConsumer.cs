namespace HyperCache.StateMachine.Values;

/// <summary>
/// A consumer of a stream group: its name, its own pending entries (the same objects as in the group's PEL, in ID
/// order) and Redis 7.2's two times: <see cref="SeenTime"/> (its last attempted read or claim) and
/// <see cref="ActiveTime"/> (its last read or claim that took entries; -1 until one does). Times come from events.
/// </summary>
public sealed class StreamConsumer(byte[] name)
{
    public byte[] Name { get; } = name;
    public long SeenTime { get; internal set; }
    public long ActiveTime { get; internal set; } = -1;
    public SortedSet<StreamPendingEntry> Pending { get; } = new(StreamPendingEntry.ById);
}

/// <summary>A delivered, not yet acknowledged entry (Redis's NACK): who has it, when it was last delivered, how
/// many times. Ordered by <see cref="Id"/> alone, which never changes.</summary>
public sealed class StreamPendingEntry(StreamId id, StreamConsumer consumer, long deliveryTime, long deliveryCount)
{
    public static readonly IComparer<StreamPendingEntry> ById = Comparer<StreamPendingEntry>.Create((a, b) => a.Id.CompareTo(b.Id));

    public StreamId Id { get; } = id;
    public StreamConsumer Consumer { get; internal set; } = consumer;
    public long DeliveryTime { get; internal set; } = deliveryTime;
    public long DeliveryCount { get; internal set; } = deliveryCount;

    /// <summary>A key to look an ID up in a pending set.</summary>
    internal static StreamPendingEntry Probe(StreamId id) => new(id, null!, 0, 0);
}
