using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine
{
    /// <summary>How XADD picks the new entry's ID: "*", "ms-*" or an explicit "ms-seq".</summary>
    public enum StreamIdMode { Auto, AutoSeq, Explicit }

    public enum StreamTrimStrategy { None, MaxLength, MinId }

    /// <summary>XADD's and XTRIM's trim option. <see cref="Limit"/> 0 trims without limit; <see cref="Approximate"/>
    /// ("~") removes whole nodes only (<see cref="Values.StreamNodes"/>).</summary>
    public readonly record struct StreamTrim(StreamTrimStrategy Strategy, long MaxLength, StreamId MinId, long Limit, bool Approximate = false);

    /// <summary>
    /// Streams: XADD, XDEL, XTRIM, XSETID, XLEN, XRANGE/XREVRANGE (XREAD is in Store.StreamReads.cs). Every choice is made
    /// here on the command path and logged as its outcome: the ID XADD generated from the clock, and a trim as the
    /// number of oldest entries it removes, so Apply reads no clock and repeats nothing it could decide otherwise.
    /// </summary>
    public sealed partial class Store
    {
        public const string StreamIdTooSmall = "ERR The ID specified in XADD is equal or smaller than the target stream top item";
        public const string StreamExhausted = "ERR The stream has exhausted the last possible ID, unable to add more items";

        /// <summary>
        /// XADD of the field-value pairs args[first..]: the new entry's ID, or null when the key is missing and
        /// <paramref name="noMakeStream"/> is set. <paramref name="id"/> is the explicit ID (its seq ignored for
        /// <see cref="StreamIdMode.AutoSeq"/>); the caller has refused 0-0 already.
        /// </summary>
        public StreamId? StreamAdd<TArgs>(Session session, ReadOnlySpan<byte> key, bool noMakeStream, StreamIdMode mode, StreamId id,
            StreamTrim trim, TArgs args, int first) where TArgs : IKeyList, allows ref struct
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                long now = NowMs();
                var stream = StreamForWrite(session, shard, key, now);
                if (stream is null && noMakeStream) return null;
                var last = stream?.LastId ?? StreamId.Zero;
                if (last == StreamId.Max) throw new CommandError(StreamExhausted);
                id = NextStreamId(last, mode, id, (ulong)now);
                long trimmed = TrimCount(stream, trim, id, trim.Approximate ? LengthOf(args, first) : 0);
                var buffer = EventBuffer.Start(StreamEvents.Add);
                buffer.WriteArrayHeader(5 + args.Count - first);
                buffer.Write(session.Db);
                buffer.Write(key);
                buffer.Write((long)id.Ms);
                buffer.Write((long)id.Seq);
                buffer.Write(trimmed);
                for (int i = first; i < args.Count; i++) buffer.Write(args[i]);
                if (LogAndApply(session, buffer) is { } notify)
                {
                    notify.Raise(KeyspaceEventTypes.Stream, "xadd"u8, session.Db, key);
                    if (trimmed > 0) notify.Raise(KeyspaceEventTypes.Stream, "xtrim"u8, session.Db, key);
                }
                return id;
            }
        }

        private static long LengthOf<TArgs>(TArgs args, int first) where TArgs : IKeyList, allows ref struct
        {
            long total = 0;
            for (int i = first; i < args.Count; i++) total += args[i].Length;
            return total;
        }

        /// <summary>Redis's streamAppendItem ID rules: "*" is max(now, last ms), with seq+1 when equal.</summary>
        private static StreamId NextStreamId(StreamId last, StreamIdMode mode, StreamId given, ulong now)
        {
            switch (mode)
            {
                case StreamIdMode.Auto:
                    if (now > last.Ms) return new StreamId(now, 0);
                    last.TryNext(out var next);
                    return next;
                case StreamIdMode.AutoSeq:
                    if (given.Ms == last.Ms)
                    {
                        if (last.Seq == ulong.MaxValue) throw new CommandError(StreamIdTooSmall);
                        return new StreamId(given.Ms, last.Seq + 1);
                    }
                    if (given.Ms < last.Ms) throw new CommandError(StreamIdTooSmall);
                    return new StreamId(given.Ms, 0);
                default:
                    if (given <= last) throw new CommandError(StreamIdTooSmall);
                    return given;
            }
        }

        /// <summary>How many of the oldest entries the trim removes, counting <paramref name="adding"/> (XADD's new
        /// entry, last in the stream) when given.</summary>
        /// <paramref name="addingBytes"/>: the bytes of its fields and values, which "~" trimming needs (they decide its node).
        private static long TrimCount(StreamValue? stream, StreamTrim trim, StreamId? adding, long addingBytes)
        {
            long length = (stream?.Count ?? 0) + (adding is null ? 0 : 1);
            if (trim.Approximate && trim.Strategy != StreamTrimStrategy.None)
            {
                long? maxLength = trim.Strategy == StreamTrimStrategy.MaxLength ? trim.MaxLength : null;
                var entry = adding is { } newId ? (newId, addingBytes) : ((StreamId, long)?)null;
                return (stream?.Nodes ?? new StreamNodes()).ApproximateTrim(length, maxLength, trim.MinId, trim.Limit, entry);
            }
            long cap = trim.Limit > 0 ? trim.Limit : long.MaxValue;
            switch (trim.Strategy)
            {
                case StreamTrimStrategy.MaxLength:
                    return Math.Min(cap, Math.Max(0, length - trim.MaxLength));
                case StreamTrimStrategy.MinId:
                {
                    long below = stream?.CountBelow(trim.MinId, cap) ?? 0;
                    if (adding is { } id && below == length - 1 && id < trim.MinId) below++;
                    return Math.Min(cap, below);
                }
                default:
                    return 0;
            }
        }

        /// <summary>XTRIM: how many entries it removed (0 for a missing key).</summary>
        public long StreamTrimEntries(Session session, ReadOnlySpan<byte> key, StreamTrim trim)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                var stream = StreamForWrite(session, shard, key, NowMs());
                if (stream is null) return 0;
                long trimmed = TrimCount(stream, trim, null, 0);
                if (trimmed == 0) return 0;
                var buffer = EventBuffer.Start(StreamEvents.Trim);
                buffer.WriteArrayHeader(3);
                buffer.Write(session.Db);
                buffer.Write(key);
                buffer.Write(trimmed);
                LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.Stream, "xtrim"u8, session.Db, key);
                return trimmed;
            }
        }

        /// <summary>XDEL of the IDs args[first..]: how many were entries (each counted once). As Redis 7.0, the key
        /// is looked up first (missing: 0, another type: WRONGTYPE), then every ID is checked before any is deleted.</summary>
        public long StreamDelete<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                var stream = StreamForWrite(session, shard, key, NowMs());
                if (stream is null) return 0;
                var ids = new StreamId[args.Count - first];
                for (int i = first; i < args.Count; i++)
                    if (!StreamId.TryParse(args[i], 0, false, out ids[i - first], out _)) throw InvalidStreamId();
                var present = new List<StreamId>(ids.Length);
                var found = new List<StreamEntry>(1);
                foreach (var id in ids)
                {
                    found.Clear();
                    stream.Range(id, id, 1, false, found);
                    if (found.Count == 1 && !present.Contains(id)) present.Add(id);
                }
                if (present.Count == 0) return 0;
                var buffer = EventBuffer.Start(StreamEvents.Delete);
                buffer.WriteArrayHeader(2 + 2 * present.Count);
                buffer.Write(session.Db);
                buffer.Write(key);
                foreach (var id in present)
                {
                    buffer.Write((long)id.Ms);
                    buffer.Write((long)id.Seq);
                }
                LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.Stream, "xdel"u8, session.Db, key);
                return present.Count;
            }
        }

        /// <summary>
        /// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id], the options already checked against each other
        /// (<paramref name="entriesAdded"/> -1 and <paramref name="maxDeletedId"/> 0-0 when not given). Redis 7.0.15's
        /// checks: the key must hold a stream, and when it has entries, the ID must not be below the last entry and
        /// entries-added not below the length. Logged as the counters that result.
        /// </summary>
        public void StreamSetId(Session session, ReadOnlySpan<byte> key, StreamId lastId, long entriesAdded, StreamId maxDeletedId)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                var stream = StreamForWrite(session, shard, key, NowMs()) ?? throw CommandError.NoSuchKey();
                if (stream.Last is { } last)
                {
                    if (lastId < last.Id) throw new CommandError("ERR The ID specified in XSETID is smaller than the target stream top item");
                    if (entriesAdded != -1 && stream.Count > entriesAdded)
                        throw new CommandError("ERR The entries_added specified in XSETID is smaller than the target stream length");
                }
                var buffer = EventBuffer.Start(StreamEvents.SetId);
                buffer.WriteArrayHeader(7);
                buffer.Write(session.Db);
                buffer.Write(key);
                buffer.Write((long)lastId.Ms);
                buffer.Write((long)lastId.Seq);
                var maxDeleted = maxDeletedId == StreamId.Zero ? stream.MaxDeletedId : maxDeletedId;
                buffer.Write((long)maxDeleted.Ms);
                buffer.Write((long)maxDeleted.Seq);
                buffer.Write(entriesAdded == -1 ? stream.EntriesAdded : entriesAdded);
                LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.Stream, "xsetid"u8, session.Db, key);
            }
        }

        public long StreamLength(Session session, ReadOnlySpan<byte> key)
        {
            var shard = ShardOf(key);
            lock (shard.Lock) return ReadStream(session, shard, key)?.Count ?? 0;
        }

        /// <summary>XRANGE (or XREVRANGE when <paramref name="reverse"/>): entries with IDs in [start, end], at most
        /// <paramref name="count"/> (0: all); null for a missing key.</summary>
        public List<StreamEntry>? StreamRange(Session session, ReadOnlySpan<byte> key, StreamId start, StreamId end, long count, bool reverse)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                if (ReadStream(session, shard, key) is not { } stream) return null;
                var entries = new List<StreamEntry>();
                stream.Range(start, end, count, reverse, entries);
                return entries;
            }
        }

        /// <summary>XINFO STREAM's basic form: the stream's counters and its first and last entries.</summary>
        public StreamSummary? StreamInfo(Session session, ReadOnlySpan<byte> key)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                return ReadStream(session, shard, key) is { } s ? Summary(s) : null;
            }
        }

        private static StreamSummary Summary(StreamValue s)
            => new(s.Count, s.LastId, s.MaxDeletedId, s.EntriesAdded, s.First?.Id ?? StreamId.Zero, s.First, s.Last, s.GroupCount, s.Nodes.Count);

        private StreamValue? ReadStream(Session session, Shard shard, ReadOnlySpan<byte> key)
            => ReadCollection(session, shard, key) is { } value ? value as StreamValue ?? throw CommandError.WrongType() : null;

        private StreamValue? StreamForWrite(Session session, Shard shard, ReadOnlySpan<byte> key, long now)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            return Unsafe.IsNullRef(ref entry) ? null : entry.Value as StreamValue ?? throw CommandError.WrongType();
        }

        private void ApplyStream(EventKind kind, ref EventReader r, int fields)
        {
            int db = r.ReadInt32();
            var key = r.ReadBytes();
            var database = ShardOf(key).Db(db);
            switch (kind)
            {
                case StreamEvents.Add:
                {
                    var id = ReadStreamId(ref r);
                    long trimmed = r.ReadInt64();
                    var pairs = new byte[fields - 5][];
                    for (int i = 0; i < pairs.Length; i++) pairs[i] = r.ReadBytes().ToArray();
                    ref Entry entry = ref database.GetOrAdd(key, out bool existed);
                    if (!existed) database.SetValue(ref entry, new StreamValue());
                    var stream = (StreamValue)Unshared(database, ref entry);
                    stream.Add(id, pairs);
                    stream.TrimFirst(trimmed);
                    SignalKeyReady(db, key);
                    break;
                }
                case StreamEvents.Delete:
                {
                    if (StreamAt(database, key) is not { } stream) break;
                    for (int i = 2; i + 1 < fields; i += 2) stream.Delete(ReadStreamId(ref r));
                    break;
                }
                case StreamEvents.Trim:
                    StreamAt(database, key)?.TrimFirst(r.ReadInt64());
                    break;
                case StreamEvents.Restore:
                {
                    var lastId = ReadStreamId(ref r);
                    var maxDeleted = ReadStreamId(ref r);
                    var stream = new StreamValue();
                    stream.SetCounters(lastId, maxDeleted, r.ReadInt64());
                    database.SetValue(ref database.GetOrAdd(key, out _), stream);
                    SignalKeyReady(db, key);
                    break;
                }
                case StreamEvents.Entries:
                {
                    var stream = StreamAt(database, key) ?? throw new InvalidDataException("stream entries for a key holding no stream");
                    for (int read = 2; read < fields;)
                    {
                        var id = ReadStreamId(ref r);
                        var pairs = new byte[r.ReadInt32()][];
                        for (int i = 0; i < pairs.Length; i++) pairs[i] = r.ReadBytes().ToArray();
                        stream.Load(id, pairs);
                        read += 3 + pairs.Length;
                    }
                    break;
                }
                case StreamEvents.SetId:
                {
                    var lastId = ReadStreamId(ref r);
                    var maxDeleted = ReadStreamId(ref r);
                    StreamAt(database, key)?.SetCounters(lastId, maxDeleted, r.ReadInt64());
                    break;
                }
                case >= StreamEvents.GroupCreate and <= StreamEvents.Claim:
                    ApplyStreamGroup(kind, ref r, fields, db, database, key);
                    break;
                default:
                    throw new UnknownEventKindException($"unknown Streams event kind {(byte)kind}");
            }
        }

        private static StreamId ReadStreamId(ref EventReader r)
        {
            ulong ms = (ulong)r.ReadInt64();
            return new StreamId(ms, (ulong)r.ReadInt64());
        }

        /// <summary>The stream an event names, ready to change; null (the event is skipped) when there is none.</summary>
        private static StreamValue? StreamAt(Database database, ReadOnlySpan<byte> key)
        {
            ref Entry entry = ref database.Find(key);
            return Unsafe.IsNullRef(ref entry) ? null : Unshared(database, ref entry) as StreamValue;
        }
    }

    /// <summary>XINFO STREAM's basic fields (<see cref="Nodes"/>: Redis's radix-tree keys, <see cref="Values.StreamNodes"/>).</summary>
    public sealed record StreamSummary(long Length, StreamId LastId, StreamId MaxDeletedId, long EntriesAdded, StreamId FirstId,
        StreamEntry? First, StreamEntry? Last, int Groups, int Nodes);
}

namespace HyperCache.StateMachine.Events
{
    /// <summary>The stream events (range StreamFirst..StreamLast). IDs are logged as two integers (ms, seq), each
    /// an unsigned 64-bit value written as its signed bit pattern. Never renumber: these bytes are on disk.</summary>
    public static class StreamEvents
    {
        /// <summary>[db, key, ms, seq, trimmed, field, value...] — XADD with the ID it generated (above the stream's
        /// last ID), creating the stream if absent; then removes the <c>trimmed</c> oldest entries.</summary>
        public const EventKind Add = EventKind.StreamFirst;
        /// <summary>[db, key, ms, seq, ms, seq...] — XDEL of entries that exist.</summary>
        public const EventKind Delete = EventKind.StreamFirst + 1;
        /// <summary>[db, key, count] — XTRIM: removes the count oldest entries.</summary>
        public const EventKind Trim = EventKind.StreamFirst + 2;
        /// <summary>[db, key, lastMs, lastSeq, maxDeletedMs, maxDeletedSeq, entriesAdded] — snapshots: an empty
        /// stream with these counters, replacing the key.</summary>
        public const EventKind Restore = EventKind.StreamFirst + 3;
        /// <summary>[db, key, (ms, seq, n, field, value... (n items))...] — snapshots: entries appended as they were
        /// (the counters stay).</summary>
        public const EventKind Entries = EventKind.StreamFirst + 4;
        /// <summary>[db, key, lastMs, lastSeq, maxDeletedMs, maxDeletedSeq, entriesAdded] — XSETID: the counters that
        /// result, on an existing stream.</summary>
        public const EventKind SetId = EventKind.StreamFirst + 5;

        // Consumer groups (Store.StreamGroups.cs). Times are the command's clock, logged; Apply reads none.
        /// <summary>[db, key, group, ms, seq, entriesRead] — XGROUP CREATE (and snapshots): a group with this last
        /// delivered ID; creates an empty stream when the key is absent (MKSTREAM).</summary>
        public const EventKind GroupCreate = EventKind.StreamFirst + 6;
        /// <summary>[db, key, group, ms, seq, entriesRead] — XGROUP SETID.</summary>
        public const EventKind GroupSetId = EventKind.StreamFirst + 7;
        /// <summary>[db, key, group] — XGROUP DESTROY.</summary>
        public const EventKind GroupDestroy = EventKind.StreamFirst + 8;
        /// <summary>[db, key, group, consumer, seenTime, activeTime, (ms, seq, deliveryTime, deliveryCount)...] —
        /// XGROUP CREATECONSUMER (no entries) and snapshots: the consumer, created if absent, with these times and
        /// these pending entries.</summary>
        public const EventKind Consumer = EventKind.StreamFirst + 9;
        /// <summary>[db, key, group, consumer] — XGROUP DELCONSUMER, with its pending entries.</summary>
        public const EventKind ConsumerDelete = EventKind.StreamFirst + 10;
        /// <summary>[db, key, group, consumer, time, mode, lastMs, lastSeq, entriesRead, (ms, seq)...] — XREADGROUP
        /// on one stream: the consumer (created if absent) is seen at time. Mode 0 (">"): the IDs were delivered and
        /// join the PEL with time and count 1, and the group moves to the last ID and entries-read given; mode 1:
        /// the same with NOACK (no PEL); mode 2 (history): the IDs, pending for this consumer, were delivered again
        /// (time, count + 1).</summary>
        public const EventKind GroupRead = EventKind.StreamFirst + 11;
        /// <summary>[db, key, group, (ms, seq)...] — XACK: the IDs leave the PEL.</summary>
        public const EventKind Ack = EventKind.StreamFirst + 12;
        /// <summary>[db, key, group, consumer, time, lastMs, lastSeq, (ms, seq, deliveryTime, deliveryCount)...] —
        /// XCLAIM, XAUTOCLAIM: the group's last delivered ID rises to last if above (LASTID); each ID is given to the
        /// consumer (created if absent, seen and active at time) with that time and count, or, with count -1, leaves
        /// the PEL (its entry was deleted from the stream).</summary>
        public const EventKind Claim = EventKind.StreamFirst + 13;
    }
}
