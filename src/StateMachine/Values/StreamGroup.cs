using System.Buffers.Binary;
using System.IO.Hashing;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A stream consumer group (Redis's streamCG): its last delivered ID, its entries-read counter (-1 when unknown),
/// the pending entries list (PEL) in ID order and its consumers by name, in byte order as Redis's rax lists them.
/// Changed only by the store's Apply of the group events; <see cref="Bytes"/> is kept as it changes, an estimate
/// of the trees' nodes (the stream adds it to its size).
/// </summary>
public sealed class StreamGroup(byte[] name)
{
    /// <summary>Redis's SCG_INVALID_ENTRIES_READ.</summary>
    public const long EntriesReadUnknown = -1;

    // Estimates: a SortedSet node is an object of four fields; each tree object about 64 bytes.
    private static readonly long NodeBytes = MemorySize.Object(32);
    private const long TreeBytes = 64;
    private static readonly long PendingBytes = MemorySize.Object(40) + 2 * NodeBytes; // the entry, in two trees

    public byte[] Name { get; } = name;
    public StreamId LastId { get; internal set; }
    public long EntriesRead { get; internal set; } = EntriesReadUnknown;
    public SortedSet<StreamPendingEntry> Pending { get; } = new(StreamPendingEntry.ById);
    public NameMap<StreamConsumer> Consumers { get; } = new();

    // The group's object, its name and its PEL's tree; the consumers' map counts itself (its arrays grow and shrink).
    private long _bytes = MemorySize.Object(56) + MemorySize.ByteArray(name.Length) + TreeBytes;

    public long Bytes => _bytes + Consumers.Bytes;

    private static long ConsumerBytes(StreamConsumer consumer)
        => MemorySize.Object(32) + MemorySize.ByteArray(consumer.Name.Length) + TreeBytes;

    /// <summary>The consumer named <paramref name="name"/>, or null (allocates nothing).</summary>
    public StreamConsumer? Consumer(ReadOnlySpan<byte> name) => Consumers.Find(name);

    /// <summary>The consumer, created (seen at <paramref name="seenTime"/>, never active) when missing; only a new
    /// consumer's name is copied.</summary>
    public StreamConsumer GetOrAddConsumer(ReadOnlySpan<byte> name, long seenTime, out bool created)
    {
        var consumer = Consumers.GetOrAdd(name, seenTime, static (key, seen) => new StreamConsumer(key) { SeenTime = seen }, out created);
        if (created) _bytes += ConsumerBytes(consumer);
        return consumer;
    }

    /// <summary>XGROUP DELCONSUMER: drops the consumer and its pending entries; how many it had (-1: no such consumer).</summary>
    public long DeleteConsumer(ReadOnlySpan<byte> name)
    {
        if (Consumer(name) is not { } consumer) return -1;
        long pending = consumer.Pending.Count;
        foreach (var entry in consumer.Pending) Pending.Remove(entry);
        _bytes -= pending * PendingBytes + ConsumerBytes(consumer);
        Consumers.Remove(consumer.Name);
        return pending;
    }

    public StreamPendingEntry? FindPending(StreamId id)
        => Pending.TryGetValue(StreamPendingEntry.Probe(id), out var entry) ? entry : null;

    /// <summary>Gives the entry to <paramref name="consumer"/> (adding it to the PEL if absent, moving it from its
    /// previous owner otherwise) with this delivery time and count.</summary>
    public void Assign(StreamId id, StreamConsumer consumer, long deliveryTime, long deliveryCount)
    {
        if (FindPending(id) is { } entry)
        {
            if (entry.Consumer != consumer)
            {
                entry.Consumer.Pending.Remove(entry);
                consumer.Pending.Add(entry);
                entry.Consumer = consumer;
            }
            entry.DeliveryTime = deliveryTime;
            entry.DeliveryCount = deliveryCount;
            return;
        }
        entry = new StreamPendingEntry(id, consumer, deliveryTime, deliveryCount);
        Pending.Add(entry);
        consumer.Pending.Add(entry);
        _bytes += PendingBytes;
    }

    /// <summary>XACK (and a claim of a deleted entry): removes the ID from the PEL; whether it was there.</summary>
    public bool Acknowledge(StreamId id)
    {
        if (FindPending(id) is not { } entry) return false;
        Pending.Remove(entry);
        entry.Consumer.Pending.Remove(entry);
        _bytes -= PendingBytes;
        return true;
    }

    /// <summary>A deep copy: consumers and pending entries are mutable, so none is shared.</summary>
    public StreamGroup Clone()
    {
        var copy = new StreamGroup(Name) { LastId = LastId, EntriesRead = EntriesRead };
        foreach (var consumer in Consumers.Values)
        {
            var c = copy.GetOrAddConsumer(consumer.Name, consumer.SeenTime, out _);
            c.ActiveTime = consumer.ActiveTime;
        }
        foreach (var entry in Pending)
            copy.Assign(entry.Id, copy.Consumers.Find(entry.Consumer.Name)!, entry.DeliveryTime, entry.DeliveryCount);
        return copy;
    }

    /// <summary>Name, counters, then consumers in name order, then the PEL in ID order (with each owner's name).</summary>
    public void AppendDigest(XxHash3 hash)
    {
        Span<byte> b = stackalloc byte[40];
        BinaryPrimitives.WriteInt32LittleEndian(b, Name.Length);
        hash.Append(b[..4]);
        hash.Append(Name);
        BinaryPrimitives.WriteUInt64LittleEndian(b, LastId.Ms);
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], LastId.Seq);
        BinaryPrimitives.WriteInt64LittleEndian(b[16..], EntriesRead);
        BinaryPrimitives.WriteInt32LittleEndian(b[24..], Consumers.Count);
        BinaryPrimitives.WriteInt32LittleEndian(b[28..], Pending.Count);
        hash.Append(b[..32]);
        foreach (var consumer in Consumers.Values)
        {
            BinaryPrimitives.WriteInt32LittleEndian(b, consumer.Name.Length);
            hash.Append(b[..4]);
            hash.Append(consumer.Name);
            BinaryPrimitives.WriteInt64LittleEndian(b, consumer.SeenTime);
            BinaryPrimitives.WriteInt64LittleEndian(b[8..], consumer.ActiveTime);
            hash.Append(b[..16]);
        }
        foreach (var entry in Pending)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b, entry.Id.Ms);
            BinaryPrimitives.WriteUInt64LittleEndian(b[8..], entry.Id.Seq);
            BinaryPrimitives.WriteInt64LittleEndian(b[16..], entry.DeliveryTime);
            BinaryPrimitives.WriteInt64LittleEndian(b[24..], entry.DeliveryCount);
            BinaryPrimitives.WriteInt32LittleEndian(b[32..], entry.Consumer.Name.Length);
            hash.Append(b[..36]);
            hash.Append(entry.Consumer.Name);
        }
    }
}
