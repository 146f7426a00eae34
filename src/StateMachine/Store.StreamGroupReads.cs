using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Blocking;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>XCLAIM's options: <see cref="Idle"/> or <see cref="Time"/> (the one given last; null: now),
/// <see cref="RetryCount"/> -1 when not given, <see cref="LastId"/> 0-0 when not given.</summary>
public readonly record struct StreamClaimOptions(long? Idle, long? Time, long RetryCount, bool Force, bool JustId, StreamId LastId);

/// <summary>XAUTOCLAIM's reply: the cursor to continue from (0-0: done), what was claimed, and the pending IDs whose
/// entries were gone from the stream, dropped from the PEL.</summary>
public sealed record StreamAutoClaimResult(StreamId Next, List<StreamEntry> Claimed, List<StreamId> Deleted);

/// <summary>XREADGROUP (blocking or not), XCLAIM and XAUTOCLAIM: the group writes that deliver entries.</summary>
public sealed partial class Store
{
    /// <summary>
    /// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...: keys are
    /// args[first..first+n), their IDs the n after. For each key in turn: its type, the key and group (NOGROUP), its
    /// ID ("$" refused, ">" for new entries, else a strict ID: the consumer's pending entries after it). Then each
    /// stream that answers is read and logged as one <see cref="StreamEvents.GroupRead"/> event (which also creates
    /// the consumer and sets its seen time, as Redis 7.0 does only then). Returns the streams read, in argument
    /// order: a history read always answers its stream, a ">" read only when it has new entries; null when none.
    /// When all are ">" with nothing new and <paramref name="block"/> is set, a waiter is queued under the same locks.
    /// </summary>
    public List<StreamRead>? StreamReadGroup<TArgs>(Session session, ReadOnlySpan<byte> group, ReadOnlySpan<byte> consumer,
        TArgs args, int first, int n, long count, bool noAck, bool block, out KeyWaiter? waiter) where TArgs : IKeyList, allows ref struct
    {
        waiter = null;
        using var locks = LockKeys(new KeysBefore<TArgs>(args, first + n), first, 1, stackalloc ulong[MaskWords]);
        long now = NowMs();
        var after = new StreamId?[n]; // null: ">"
        for (int i = 0; i < n; i++)
        {
            var key = args[first + i];
            ref Entry entry = ref Live(ShardOf(key).DbIfExists(session.Db), key, now);
            var stream = Unsafe.IsNullRef(ref entry) ? null : entry.Value as StreamValue ?? throw CommandError.WrongType();
            if (stream?.Group(group) is null)
                throw new CommandError($"NOGROUP No such key '{Text(key)}' or consumer group '{Text(group)}' in XREADGROUP with GROUP option");
            var text = args[first + n + i];
            if (text.SequenceEqual("$"u8))
                throw new CommandError("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
            if (text.SequenceEqual(">"u8)) continue;
            if (!StreamId.TryParse(text, 0, false, out var id, out _)) throw InvalidStreamId();
            if (id != StreamId.Max) after[i] = id; // Redis marks ">" as the maximum ID, so that ID reads as ">" too
        }
        List<StreamRead>? read = null;
        for (int i = 0; i < n; i++)
        {
            var key = args[first + i];
            var stream = (StreamValue)Live(ShardOf(key).DbIfExists(session.Db), key, now).Value; // checked above, same clock
            var g = stream.Group(group)!;
            List<StreamEntry>? entries;
            if (after[i] is { } id) entries = ReadPendingHistory(session, key, stream, g, consumer, id, count, now);
            else if (stream.Last is { } last && last.Id > g.LastId) entries = DeliverNew(session, key, stream, g, consumer, count, noAck, now);
            else continue; // nothing new: nothing logged, the consumer not even created (as Redis 7.0)
            (read ??= []).Add(new StreamRead(key.ToArray(), entries));
        }
        if (read != null || !block) return read;
        var waiting = new StreamGroupWaiter(session, DistinctKeys(args, first, first + n), group.ToArray(), consumer.ToArray(), count, noAck);
        Block(waiting);
        waiter = waiting;
        return null;
    }

    /// <summary>
    /// A ">" read: the entries after the group's last delivered ID (at most <paramref name="count"/>, 0: all), logged
    /// with the group's new last ID and entries-read counter (Redis's per-entry rule: counted on while no deleted
    /// entry may lie ahead, else estimated). A blocked reader woken by an XADD whose entry was trimmed at once gets none.
    /// </summary>
    private List<StreamEntry> DeliverNew(Session session, ReadOnlySpan<byte> key, StreamValue stream, StreamGroup g,
        ReadOnlySpan<byte> consumer, long count, bool noAck, long now)
    {
        var entries = EntriesAfter(stream, g.LastId, count);
        var lastId = g.LastId;
        long entriesRead = g.EntriesRead;
        foreach (var entry in entries)
        {
            if (entriesRead != StreamGroup.EntriesReadUnknown && !stream.HasTombstonesFrom(entry.Id)) entriesRead++;
            else if (stream.EntriesAdded != 0) entriesRead = stream.EstimateEntriesRead(entry.Id);
            lastId = entry.Id;
        }
        var buffer = StartGroupRead(session, key, g, consumer, now, noAck ? GroupReadMode.NoAck : GroupReadMode.New,
            lastId, entriesRead, entries.Count);
        foreach (var entry in entries)
        {
            buffer.Write((long)entry.Id.Ms);
            buffer.Write((long)entry.Id.Seq);
        }
        LogGroupRead(session, key, buffer, g.Consumer(consumer) is null);
        return entries;
    }

    /// <summary>A history read: the consumer's pending entries after <paramref name="after"/> (an entry since
    /// deleted from the stream comes back with <see cref="StreamEntry.DeletedFields"/>); those still in the stream
    /// count one more delivery, now.</summary>
    private List<StreamEntry> ReadPendingHistory(Session session, ReadOnlySpan<byte> key, StreamValue stream, StreamGroup g,
        ReadOnlySpan<byte> consumer, StreamId after, long count, long now)
    {
        var entries = new List<StreamEntry>();
        int delivered = 0;
        if (g.Consumer(consumer) is { } c && c.Pending.Count > 0 && after.TryNext(out var start) && start <= c.Pending.Max!.Id)
        {
            foreach (var pending in c.Pending.GetViewBetween(StreamPendingEntry.Probe(start), c.Pending.Max))
            {
                if (count > 0 && entries.Count == count) break;
                if (stream.Find(pending.Id) is { } entry)
                {
                    entries.Add(entry);
                    delivered++;
                }
                else entries.Add(new StreamEntry(pending.Id, StreamEntry.DeletedFields));
            }
        }
        var buffer = StartGroupRead(session, key, g, consumer, now, GroupReadMode.History, g.LastId, g.EntriesRead, delivered);
        foreach (var entry in entries)
        {
            if (entry.IsDeleted) continue;
            buffer.Write((long)entry.Id.Ms);
            buffer.Write((long)entry.Id.Seq);
        }
        LogGroupRead(session, key, buffer, g.Consumer(consumer) is null);
        return entries;
    }

    private static EventBuffer StartGroupRead(Session session, ReadOnlySpan<byte> key, StreamGroup g, ReadOnlySpan<byte> consumer,
        long now, GroupReadMode mode, StreamId lastId, long entriesRead, int ids)
    {
        var buffer = EventBuffer.Start(StreamEvents.GroupRead);
        buffer.WriteArrayHeader(9 + 2 * ids);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(g.Name);
        buffer.Write(consumer);
        buffer.Write(now);
        buffer.Write((long)mode);
        buffer.Write((long)lastId.Ms);
        buffer.Write((long)lastId.Seq);
        buffer.Write(entriesRead);
        return buffer;
    }

    /// <summary>Logs a read or claim; "xgroup-createconsumer" when it created the consumer, as Redis publishes it.</summary>
    private void LogGroupRead(Session session, ReadOnlySpan<byte> key, EventBuffer buffer, bool createsConsumer)
    {
        if (LogAndApply(session, buffer) is { } notify && createsConsumer)
            notify.Raise(KeyspaceEventTypes.Stream, "xgroup-createconsumer"u8, session.Db, key);
    }

    /// <summary>A client blocked in XREADGROUP on ">": served once a stream's last generated ID passes its group's
    /// last delivered ID (Redis's test); with an error once the key is deleted (UNBLOCKED) or the group is gone
    /// (NOGROUP), as Redis 7.0 answers.</summary>
    private sealed class StreamGroupWaiter(Session session, byte[][] keys, byte[] group, byte[] consumer, long count, bool noAck)
        : KeyWaiter(session, keys)
    {
        protected internal override bool CanServe(Store store, byte[] key)
            => store.StreamAtForRead(Session, key) is not { } stream || stream.Group(group) is not { } g || stream.LastId > g.LastId;

        protected internal override object Serve(Store store, byte[] key)
        {
            var stream = store.StreamAtForRead(Session, key) ?? throw new CommandError("UNBLOCKED the stream key no longer exists");
            var g = stream.Group(group) ?? throw new CommandError("NOGROUP the consumer group this client was blocked on no longer exists");
            var entries = store.DeliverNew(Session, key, stream, g, consumer, count, noAck, store.NowMs());
            return new List<StreamRead> { new(key, entries) };
        }
    }

    /// <summary>
    /// XCLAIM key group consumer min-idle id... with <paramref name="options"/>: each ID in turn (an ID given twice
    /// is claimed twice, as Redis does), if its entry is still in the stream and it is pending and idle for at least
    /// <paramref name="minIdle"/> ms (or FORCE adds it), goes to the consumer with the new delivery time and count;
    /// a pending ID whose entry is gone leaves the PEL. Logged as one <see cref="StreamEvents.Claim"/> event when
    /// anything changes (the consumer is created and seen only when it gets an entry, as Redis 7.0). Returns the
    /// claimed entries, in argument order.
    /// </summary>
    public List<StreamEntry> StreamClaim(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, ReadOnlySpan<byte> consumer,
        long minIdle, StreamId[] ids, StreamClaimOptions options)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            long now = NowMs();
            var stream = StreamForWrite(session, shard, key, now);
            var g = stream?.Group(group) ?? throw NoKeyOrGroup(key, group);
            long deliveryTime = options.Idle is { } idle ? now - idle : options.Time ?? now;
            if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
            // What this command has done so far to each ID: (delivery time, count, owned by the consumer), null once dropped.
            var done = new Dictionary<StreamId, (long Time, long Count)?>();
            var claimed = new List<StreamEntry>();
            var records = new List<(StreamId Id, long Time, long Count)>();
            foreach (var id in ids)
            {
                var pending = g.FindPending(id);
                bool isPending = done.TryGetValue(id, out var state) ? state != null : pending != null;
                if (stream!.Find(id) is not { } entry)
                {
                    if (isPending)
                    {
                        records.Add((id, 0, -1));
                        done[id] = null;
                    }
                    continue;
                }
                long time, deliveries;
                if (isPending)
                {
                    (time, deliveries) = state ?? (pending!.DeliveryTime, pending.DeliveryCount);
                    if (minIdle > 0 && now - time < minIdle) continue;
                }
                else if (options.Force) deliveries = 1; // a new NACK, whose idle time is not checked
                else continue;
                deliveries = options.RetryCount >= 0 ? options.RetryCount : options.JustId ? deliveries : deliveries + 1;
                records.Add((id, deliveryTime, deliveries));
                done[id] = (deliveryTime, deliveries);
                claimed.Add(entry);
            }
            if (records.Count > 0 || options.LastId > g.LastId) LogClaim(session, key, g, consumer, now, options.LastId, records);
            return claimed;
        }
    }

    /// <summary>
    /// XAUTOCLAIM key group consumer min-idle start [COUNT count] [JUSTID]: Redis's scan of the PEL from
    /// <paramref name="start"/>, looking at no more than count × 10 entries and taking at most count (claimed or
    /// found deleted); the cursor is the next pending ID after the last one looked at, 0-0 at the end.
    /// </summary>
    public StreamAutoClaimResult StreamAutoClaim(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, ReadOnlySpan<byte> consumer,
        long minIdle, StreamId start, long count, bool justId)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            long now = NowMs();
            var stream = StreamForWrite(session, shard, key, now);
            var g = stream?.Group(group) ?? throw NoKeyOrGroup(key, group);
            var claimed = new List<StreamEntry>();
            var deleted = new List<StreamId>();
            var records = new List<(StreamId Id, long Time, long Count)>();
            var next = StreamId.Zero;
            if (g.Pending.Count > 0 && start <= g.Pending.Max!.Id)
            {
                using var scan = g.Pending.GetViewBetween(StreamPendingEntry.Probe(start), g.Pending.Max).GetEnumerator();
                long attempts = count * 10;
                while (attempts-- > 0 && count > 0 && scan.MoveNext())
                {
                    var pending = scan.Current;
                    if (stream!.Find(pending.Id) is not { } entry)
                    {
                        records.Add((pending.Id, 0, -1));
                        deleted.Add(pending.Id);
                        count--;
                        continue;
                    }
                    if (minIdle > 0 && now - pending.DeliveryTime < minIdle) continue;
                    records.Add((pending.Id, now, justId ? pending.DeliveryCount : pending.DeliveryCount + 1));
                    claimed.Add(entry);
                    count--;
                }
                if (scan.MoveNext()) next = scan.Current.Id;
            }
            if (records.Count > 0) LogClaim(session, key, g, consumer, now, StreamId.Zero, records);
            return new StreamAutoClaimResult(next, claimed, deleted);
        }
    }

    private void LogClaim(Session session, ReadOnlySpan<byte> key, StreamGroup g, ReadOnlySpan<byte> consumer, long now, StreamId lastId,
        List<(StreamId Id, long Time, long Count)> records)
    {
        var buffer = EventBuffer.Start(StreamEvents.Claim);
        buffer.WriteArrayHeader(7 + 4 * records.Count);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(g.Name);
        buffer.Write(consumer);
        buffer.Write(now);
        buffer.Write((long)lastId.Ms);
        buffer.Write((long)lastId.Seq);
        foreach (var (id, time, deliveries) in records)
        {
            buffer.Write((long)id.Ms);
            buffer.Write((long)id.Seq);
            buffer.Write(time);
            buffer.Write(deliveries);
        }
        LogGroupRead(session, key, buffer, g.Consumer(consumer) is null && records.Exists(record => record.Count != -1));
    }
}
