using System.Text;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>What XPENDING's summary form reports: the PEL's size, its first and last IDs, and per consumer with
/// pending entries how many it has (in name order).</summary>
public sealed record StreamPendingSummary(long Count, StreamId First, StreamId Last, List<(byte[] Consumer, long Count)> Consumers);

/// <summary>One line of XPENDING's extended form.</summary>
public readonly record struct StreamPendingLine(StreamId Id, byte[] Consumer, long IdleMs, long DeliveryCount);

/// <summary>One group in XINFO GROUPS; <see cref="EntriesRead"/> and <see cref="Lag"/> are null when unknown.</summary>
public sealed record StreamGroupInfo(byte[] Name, int Consumers, int Pending, StreamId LastDeliveredId, long? EntriesRead, long? Lag);

/// <summary>One consumer in XINFO CONSUMERS (Redis 7.2's fields: inactive is -1 until it has read or claimed).</summary>
public readonly record struct StreamConsumerInfo(byte[] Name, int Pending, long IdleMs, long InactiveMs);

/// <summary>
/// Stream consumer groups: XGROUP, XACK, XPENDING, XINFO GROUPS/CONSUMERS, and the Apply of every group event
/// (XREADGROUP, XCLAIM and XAUTOCLAIM are in Store.StreamGroupReads.cs). As for the other stream writes, each
/// decision is made on the command path and logged as its outcome, with the command's clock in the event
/// (delivery and seen times), so Apply reads no clock and a replay rebuilds the same PELs and times.
/// </summary>
public sealed partial class Store
{
    public const string XGroupNeedsKey = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";
    public const string BusyGroup = "BUSYGROUP Consumer Group name already exists";

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>XCLAIM, XAUTOCLAIM, XPENDING's error for a missing key or group.</summary>
    public static CommandError NoKeyOrGroup(ReadOnlySpan<byte> key, ReadOnlySpan<byte> group)
        => new($"NOGROUP No such key '{Text(key)}' or consumer group '{Text(group)}'");

    /// <summary>XGROUP's and XINFO CONSUMERS's error for a missing group of an existing stream.</summary>
    private static CommandError NoGroupForKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> group)
        => new($"NOGROUP No such consumer group '{Text(group)}' for key name '{Text(key)}'");

    /// <summary>XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]: the key is checked before the ID is parsed
    /// (strictly: no "-" or "+"), as Redis does.</summary>
    public void StreamGroupCreate(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, ReadOnlySpan<byte> idText,
        bool makeStream, long entriesRead)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var stream = StreamForWrite(session, shard, key, NowMs());
            if (stream is null && !makeStream) throw new CommandError(XGroupNeedsKey);
            StreamId id;
            if (idText.SequenceEqual("$"u8)) id = stream?.LastId ?? StreamId.Zero;
            else if (!StreamId.TryParse(idText, 0, false, out id, out _)) throw InvalidStreamId();
            if (stream?.Group(group) != null) throw new CommandError(BusyGroup);
            LogGroupState(session, StreamEvents.GroupCreate, key, group, id, entriesRead)?
                .Raise(KeyspaceEventTypes.Stream, "xgroup-create"u8, session.Db, key);
        }
    }

    /// <summary>XGROUP SETID key group id|$ [ENTRIESREAD n]: "-" and "+" are accepted here, as Redis does.</summary>
    public void StreamGroupSetId(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, ReadOnlySpan<byte> idText, long entriesRead)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var stream = GroupStreamForWrite(session, shard, key, group, out _);
            StreamId id;
            if (idText.SequenceEqual("$"u8)) id = stream.LastId;
            else if (idText.SequenceEqual("-"u8)) id = StreamId.Zero;
            else if (idText.SequenceEqual("+"u8)) id = StreamId.Max;
            else if (!StreamId.TryParse(idText, 0, false, out id, out _)) throw InvalidStreamId();
            LogGroupState(session, StreamEvents.GroupSetId, key, group, id, entriesRead)?
                .Raise(KeyspaceEventTypes.Stream, "xgroup-setid"u8, session.Db, key);
        }
    }

    private KeyspaceNotifier? LogGroupState(Session session, EventKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group,
        StreamId id, long entriesRead)
    {
        var buffer = EventBuffer.Start(kind);
        buffer.WriteArrayHeader(6);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(group);
        buffer.Write((long)id.Ms);
        buffer.Write((long)id.Seq);
        buffer.Write(entriesRead);
        return LogAndApply(session, buffer);
    }

    /// <summary>XGROUP DESTROY: whether the group existed. Wakes XREADGROUP clients blocked on it (they hear NOGROUP).</summary>
    public bool StreamGroupDestroy(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var stream = StreamForWrite(session, shard, key, NowMs()) ?? throw new CommandError(XGroupNeedsKey);
            if (stream.Group(group) is null) return false;
            LogKeyAndBytes(session, StreamEvents.GroupDestroy, key, group)?.Raise(KeyspaceEventTypes.Stream, "xgroup-destroy"u8, session.Db, key);
            return true;
        }
    }

    /// <summary>XGROUP CREATECONSUMER: whether it was created (false: it exists).</summary>
    public bool StreamConsumerCreate(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, ReadOnlySpan<byte> consumer)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            GroupStreamForWrite(session, shard, key, group, out var g);
            if (g.Consumer(consumer) != null) return false;
            var buffer = EventBuffer.Start(StreamEvents.Consumer);
            buffer.WriteArrayHeader(6);
            buffer.Write(session.Db);
            buffer.Write(key);
            buffer.Write(group);
            buffer.Write(consumer);
            buffer.Write(NowMs());
            buffer.Write(-1);
            LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.Stream, "xgroup-createconsumer"u8, session.Db, key);
            return true;
        }
    }

    /// <summary>XGROUP DELCONSUMER: how many pending entries the consumer had (0 when there is no such consumer).</summary>
    public long StreamConsumerDelete(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, ReadOnlySpan<byte> consumer)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            GroupStreamForWrite(session, shard, key, group, out var g);
            if (g.Consumer(consumer) is not { } c)
            {
                _notify?.Raise(KeyspaceEventTypes.Stream, "xgroup-delconsumer"u8, session.Db, key); // as Redis, even so
                return 0;
            }
            long pending = c.Pending.Count;
            var buffer = EventBuffer.Start(StreamEvents.ConsumerDelete);
            buffer.WriteArrayHeader(4);
            buffer.Write(session.Db);
            buffer.Write(key);
            buffer.Write(group);
            buffer.Write(consumer);
            LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.Stream, "xgroup-delconsumer"u8, session.Db, key);
            return pending;
        }
    }

    /// <summary>XGROUP's checks for the subcommands that need an existing group: the key, then the group.</summary>
    private StreamValue GroupStreamForWrite(Session session, Shard shard, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, out StreamGroup g)
    {
        var stream = StreamForWrite(session, shard, key, NowMs()) ?? throw new CommandError(XGroupNeedsKey);
        g = stream.Group(group) ?? throw NoGroupForKey(key, group);
        return stream;
    }

    /// <summary>Whether the key holds a stream with this group (WRONGTYPE for another type): the check XACK and
    /// XCLAIM make before parsing their arguments.</summary>
    public bool StreamHasGroup(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadStream(session, shard, key)?.Group(group) != null;
    }

    /// <summary>XACK: how many of the IDs were pending (each counted once); 0 for a missing key or group.</summary>
    public long StreamAcknowledge(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, StreamId[] ids)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            if (StreamForWrite(session, shard, key, NowMs())?.Group(group) is not { } g) return 0;
            var pending = new HashSet<StreamId>();
            foreach (var id in ids)
                if (g.FindPending(id) != null) pending.Add(id);
            if (pending.Count == 0) return 0;
            var buffer = EventBuffer.Start(StreamEvents.Ack);
            buffer.WriteArrayHeader(3 + 2 * pending.Count);
            buffer.Write(session.Db);
            buffer.Write(key);
            buffer.Write(group);
            foreach (var id in pending)
            {
                buffer.Write((long)id.Ms);
                buffer.Write((long)id.Seq);
            }
            LogAndApply(session, buffer);
            return pending.Count;
        }
    }

    /// <summary>XPENDING key group: the summary form.</summary>
    public StreamPendingSummary StreamPending(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var g = ReadStream(session, shard, key)?.Group(group) ?? throw NoKeyOrGroup(key, group);
            var consumers = new List<(byte[], long)>();
            foreach (var consumer in g.Consumers.Values)
                if (consumer.Pending.Count > 0) consumers.Add((consumer.Name, consumer.Pending.Count));
            return g.Pending.Count == 0 ? new StreamPendingSummary(0, default, default, consumers)
                : new StreamPendingSummary(g.Pending.Count, g.Pending.Min!.Id, g.Pending.Max!.Id, consumers);
        }
    }

    /// <summary>XPENDING key group [IDLE min] start end count [consumer]: pending entries with IDs in [start, end]
    /// idle for at least <paramref name="minIdle"/> ms, at most <paramref name="count"/>, of one consumer when
    /// given (an unknown consumer has none).</summary>
    public List<StreamPendingLine> StreamPendingRange(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, long minIdle,
        StreamId start, StreamId end, long count, ReadOnlySpan<byte> consumer, bool consumerGiven)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var g = ReadStream(session, shard, key)?.Group(group) ?? throw NoKeyOrGroup(key, group);
            var lines = new List<StreamPendingLine>();
            var pel = g.Pending;
            if (consumerGiven)
            {
                if (g.Consumer(consumer) is not { } c) return lines;
                pel = c.Pending;
            }
            if (start > end || count <= 0) return lines;
            long now = NowMs();
            foreach (var entry in pel.GetViewBetween(StreamPendingEntry.Probe(start), StreamPendingEntry.Probe(end)))
            {
                long idle = Math.Max(0, now - entry.DeliveryTime);
                if (idle < minIdle) continue;
                lines.Add(new StreamPendingLine(entry.Id, entry.Consumer.Name, idle, entry.DeliveryCount));
                if (lines.Count == count) break;
            }
            return lines;
        }
    }

    /// <summary>XINFO GROUPS key.</summary>
    public List<StreamGroupInfo> StreamGroups(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var stream = ReadStream(session, shard, key) ?? throw CommandError.NoSuchKey();
            var groups = new List<StreamGroupInfo>(stream.GroupCount);
            foreach (var g in stream.Groups) groups.Add(GroupInfo(stream, g));
            return groups;
        }
    }

    private static StreamGroupInfo GroupInfo(StreamValue stream, StreamGroup g)
        => new(g.Name, g.Consumers.Count, g.Pending.Count, g.LastId, g.EntriesRead == StreamGroup.EntriesReadUnknown ? null : g.EntriesRead, stream.Lag(g));

    /// <summary>XINFO CONSUMERS key group.</summary>
    public List<StreamConsumerInfo> StreamConsumers(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var stream = ReadStream(session, shard, key) ?? throw CommandError.NoSuchKey();
            var g = stream.Group(group) ?? throw NoGroupForKey(key, group);
            long now = NowMs();
            var consumers = new List<StreamConsumerInfo>(g.Consumers.Count);
            foreach (var c in g.Consumers.Values)
                consumers.Add(new StreamConsumerInfo(c.Name, c.Pending.Count, Math.Max(0, now - c.SeenTime),
                    c.ActiveTime == -1 ? -1 : Math.Max(0, now - c.ActiveTime)));
            return consumers;
        }
    }

    /// <summary>Applies a group event (layouts in <see cref="StreamEvents"/>). An event naming a stream or group that
    /// is gone is skipped, as the other stream events are.</summary>
    private void ApplyStreamGroup(EventKind kind, ref EventReader r, int fields, int db, Database database, ReadOnlySpan<byte> key)
    {
        var name = r.ReadBytes();
        if (kind == StreamEvents.GroupCreate)
        {
            var id = ReadStreamId(ref r);
            long entriesRead = r.ReadInt64();
            ref Entry entry = ref database.GetOrAdd(key, out bool existed);
            if (!existed) database.SetValue(ref entry, new StreamValue());
            if (Unshared(database, ref entry) is not StreamValue created) throw new InvalidDataException("a group for a key holding no stream");
            created.CreateGroup(name, id, entriesRead);
            return;
        }
        if (StreamAt(database, key) is not { } stream || stream.Group(name) is not { } group) return;
        switch (kind)
        {
            case StreamEvents.GroupSetId:
                group.LastId = ReadStreamId(ref r);
                group.EntriesRead = r.ReadInt64();
                break;
            case StreamEvents.GroupDestroy:
                stream.DestroyGroup(name);
                SignalKeyReady(db, key); // its blocked readers hear NOGROUP
                return;
            case StreamEvents.Consumer:
            {
                var consumer = group.GetOrAddConsumer(r.ReadBytes(), 0, out _);
                consumer.SeenTime = r.ReadInt64();
                consumer.ActiveTime = r.ReadInt64();
                for (int i = 6; i < fields; i += 4)
                {
                    var id = ReadStreamId(ref r);
                    long time = r.ReadInt64();
                    group.Assign(id, consumer, time, r.ReadInt64());
                }
                break;
            }
            case StreamEvents.ConsumerDelete:
                group.DeleteConsumer(r.ReadBytes());
                break;
            case StreamEvents.GroupRead:
            {
                var consumerName = r.ReadBytes();
                long time = r.ReadInt64();
                var consumer = group.GetOrAddConsumer(consumerName, time, out _);
                consumer.SeenTime = time;
                var mode = (GroupReadMode)r.ReadInt64();
                var last = ReadStreamId(ref r);
                long entriesRead = r.ReadInt64();
                if (mode != GroupReadMode.History)
                {
                    group.LastId = last;
                    group.EntriesRead = entriesRead;
                }
                for (int i = 9; i < fields; i += 2)
                {
                    var id = ReadStreamId(ref r);
                    if (mode == GroupReadMode.New)
                    {
                        group.Assign(id, consumer, time, 1);
                        consumer.ActiveTime = time;
                    }
                    else if (mode == GroupReadMode.History && group.FindPending(id) is { } pending)
                    {
                        pending.DeliveryTime = time;
                        pending.DeliveryCount++;
                    }
                }
                break;
            }
            case StreamEvents.Ack:
                for (int i = 3; i < fields; i += 2) group.Acknowledge(ReadStreamId(ref r));
                break;
            case StreamEvents.Claim:
            {
                var consumerName = r.ReadBytes();
                long time = r.ReadInt64();
                var last = ReadStreamId(ref r);
                if (last > group.LastId) group.LastId = last;
                StreamConsumer? consumer = null;
                for (int i = 7; i < fields; i += 4)
                {
                    var id = ReadStreamId(ref r);
                    long deliveryTime = r.ReadInt64();
                    long deliveryCount = r.ReadInt64();
                    if (deliveryCount == -1)
                    {
                        group.Acknowledge(id);
                        continue;
                    }
                    if (consumer is null)
                    {
                        consumer = group.GetOrAddConsumer(consumerName, time, out _);
                        consumer.SeenTime = consumer.ActiveTime = time;
                    }
                    group.Assign(id, consumer, deliveryTime, deliveryCount);
                }
                break;
            }
            default:
                throw new UnknownEventKindException($"unknown Streams event kind {(byte)kind}");
        }
        stream.GroupChanged();
    }

    /// <summary>The mode field of a <see cref="StreamEvents.GroupRead"/> event.</summary>
    private enum GroupReadMode { New = 0, NoAck = 1, History = 2 }
}
