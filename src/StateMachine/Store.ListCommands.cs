using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>What a multi-key pop took: the key it came from and the elements, in pop order.</summary>
public sealed record PoppedList(byte[] Key, byte[][] Elements);

/// <summary>List commands: validate against the current list, log the event, apply it (events in Store.Lists.cs).</summary>
public sealed partial class Store
{
    /// <summary>The key's list, null when absent; WRONGTYPE when it holds something else.</summary>
    private static ListValue? AsList(ref Entry entry)
        => Unsafe.IsNullRef(ref entry) ? null : entry.Value as ListValue ?? throw CommandError.WrongType();

    /// <summary>For reads: the live list or null, counting the hit or miss.</summary>
    private ListValue? ReadList(Shard shard, Session session, ReadOnlySpan<byte> key, long now)
    {
        ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
        if (Unsafe.IsNullRef(ref entry))
        {
            shard.Misses++;
            NotifyMiss(session, key);
            return null;
        }
        var list = AsList(ref entry);
        shard.Hits++;
        Touch(ref entry, Clock(now));
        return list;
    }

    /// <summary>LPUSH/RPUSH (and the X forms, which push only onto an existing list) of elements[first..].
    /// Returns the new length (0 when an X form found no list).</summary>
    public long ListPush<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs elements, int first, ListSide side, bool onlyIfExists)
        where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = AsList(ref LiveForWrite(session, shard, key, NowMs()));
            if (list is null && onlyIfExists) return 0;
            long before = list?.Length ?? 0;
            var buffer = StartListPush(session.Db, key, side, elements.Count - first);
            for (int i = first; i < elements.Count; i++) buffer.Write(elements[i]);
            LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.List, side == ListSide.Left ? "lpush"u8 : "rpush"u8, session.Db, key);
            return before + elements.Count - first;
        }
    }

    /// <summary>LPOP/RPOP: up to <paramref name="count"/> elements, in pop order; null when the key is absent.</summary>
    public byte[][]? ListPop(Session session, ReadOnlySpan<byte> key, ListSide side, long count)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return PopLocked(session, key, side, count);
    }

    /// <summary>LPOP/RPOP without a count: the element itself, with no one-element array around it (32 bytes
    /// per pop that the hot path need not allocate).</summary>
    public byte[]? ListPopOne(Session session, ReadOnlySpan<byte> key, ListSide side)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = AsList(ref LiveForWrite(session, shard, key, NowMs()));
            if (list is null || list.Length == 0) return null;
            var element = list.Peek(side, 0);
            LogListPop(session, key, side, 1);
            return element;
        }
    }

    /// <summary>Pops under the key's lock (held by the caller); logs one Pop event unless nothing is taken.</summary>
    private byte[][]? PopLocked(Session session, ReadOnlySpan<byte> key, ListSide side, long count)
    {
        var list = AsList(ref LiveForWrite(session, ShardOf(key), key, NowMs()));
        if (list is null) return null;
        int n = (int)Math.Min(count, list.Length);
        var popped = new byte[n][];
        list.CopyTo(side == ListSide.Left ? 0 : list.Length - n, popped);
        if (side == ListSide.Right) Array.Reverse(popped); // the tail first
        if (n > 0) LogListPop(session, key, side, n);
        return popped;
    }

    private void LogListPop(Session session, ReadOnlySpan<byte> key, ListSide side, int count)
    {
        var buffer = EventBuffer.Start(ListEvents.Pop);
        buffer.WriteArrayHeader(4);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write((byte)side);
        buffer.Write(count);
        var notify = LogAndApply(session, buffer);
        notify?.Raise(KeyspaceEventTypes.List, side == ListSide.Left ? "lpop"u8 : "rpop"u8, session.Db, key);
        NotifyIfGone(notify, session.Db, key);
    }

    public long ListLength(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadList(shard, session, key, NowMs())?.Length ?? 0;
    }

    /// <summary>LRANGE with Redis's index rules (negative from the tail, clamped to the list).</summary>
    public byte[][] ListRange(Session session, ReadOnlySpan<byte> key, long start, long stop)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = ReadList(shard, session, key, NowMs());
            if (list is null || !ClampRange(list.Length, ref start, ref stop)) return [];
            var items = new byte[stop - start + 1][];
            list.CopyTo((int)start, items);
            return items;
        }
    }

    /// <summary>Turns LRANGE/LTRIM indexes into an absolute range inside the list; false when it is empty.</summary>
    private static bool ClampRange(int length, ref long start, ref long stop)
    {
        if (start < 0) start += length;
        if (stop < 0) stop += length;
        if (start < 0) start = 0;
        if (start > stop || start >= length) return false;
        if (stop >= length) stop = length - 1;
        return true;
    }

    /// <summary>LINDEX. The index is parsed only once the key is known to hold a list, as Redis does.</summary>
    public byte[]? ListIndex(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> indexText)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = ReadList(shard, session, key, NowMs());
            if (list is null) return null;
            if (!Numbers.TryParseInt64(indexText, out long index)) throw CommandError.NotInteger();
            if (index < 0) index += list.Length;
            return index >= 0 && index < list.Length ? list[(int)index] : null;
        }
    }

    /// <summary>LSET. The index is parsed after the key checks, as Redis does.</summary>
    public void ListSet(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> indexText, ReadOnlySpan<byte> element)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = AsList(ref LiveForWrite(session, shard, key, NowMs())) ?? throw CommandError.NoSuchKey();
            if (!Numbers.TryParseInt64(indexText, out long index)) throw CommandError.NotInteger();
            if (index < 0) index += list.Length;
            if (index < 0 || index >= list.Length) throw new CommandError("ERR index out of range");
            LogListElementAt(session, ListEvents.Set, key, (int)index, element)?.Raise(KeyspaceEventTypes.List, "lset"u8, session.Db, key);
        }
    }

    private KeyspaceNotifier? LogListElementAt(Session session, EventKind kind, ReadOnlySpan<byte> key, int index, ReadOnlySpan<byte> element)
    {
        var buffer = EventBuffer.Start(kind);
        buffer.WriteArrayHeader(4);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(index);
        buffer.Write(element);
        return LogAndApply(session, buffer);
    }

    /// <summary>LINSERT: the new length, -1 when the pivot is not found, 0 when the key is absent.</summary>
    public long ListInsert(Session session, ReadOnlySpan<byte> key, bool after, ReadOnlySpan<byte> pivot, ReadOnlySpan<byte> element)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = AsList(ref LiveForWrite(session, shard, key, NowMs()));
            if (list is null) return 0;
            int at = list.IndexOf(pivot);
            if (at < 0) return -1;
            LogListElementAt(session, ListEvents.Insert, key, after ? at + 1 : at, element)?.Raise(KeyspaceEventTypes.List, "linsert"u8, session.Db, key);
            return list.Length;
        }
    }

    /// <summary>LREM: how many elements were removed.</summary>
    public long ListRemove(Session session, ReadOnlySpan<byte> key, long count, ReadOnlySpan<byte> element)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = AsList(ref LiveForWrite(session, shard, key, NowMs()));
            if (list is null) return 0;
            int removed = list.CountMatches(count, element);
            if (removed == 0) return 0;
            var buffer = EventBuffer.Start(ListEvents.Remove);
            buffer.WriteArrayHeader(4);
            buffer.Write(session.Db);
            buffer.Write(key);
            buffer.Write(count);
            buffer.Write(element);
            var notify = LogAndApply(session, buffer);
            notify?.Raise(KeyspaceEventTypes.List, "lrem"u8, session.Db, key);
            NotifyIfGone(notify, session.Db, key);
            return removed;
        }
    }

    /// <summary>LTRIM: logged as the absolute range kept, or as a delete when nothing is.</summary>
    public void ListTrim(Session session, ReadOnlySpan<byte> key, long start, long stop)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = AsList(ref LiveForWrite(session, shard, key, NowMs()));
            if (list is null) return;
            if (!ClampRange(list.Length, ref start, ref stop))
            {
                var emptied = LogDelete(session, session.Db, key);
                emptied?.Raise(KeyspaceEventTypes.List, "ltrim"u8, session.Db, key);
                emptied?.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, key);
                return;
            }
            if (start == 0 && stop == list.Length - 1)
            {
                _notify?.Raise(KeyspaceEventTypes.List, "ltrim"u8, session.Db, key); // Redis publishes it even when nothing went
                return;
            }
            var buffer = EventBuffer.Start(ListEvents.Trim);
            buffer.WriteArrayHeader(4);
            buffer.Write(session.Db);
            buffer.Write(key);
            buffer.Write(start);
            buffer.Write(stop);
            LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.List, "ltrim"u8, session.Db, key);
        }
    }

    /// <summary>
    /// LPOS: adds to <paramref name="found"/> the indexes of matches, scanning from the head (rank &gt; 0) or the
    /// tail (rank &lt; 0), skipping the first |rank|-1 matches, comparing at most <paramref name="maxLength"/>
    /// elements (0: all), stopping after <paramref name="count"/> (0: all). Returns false when the key is absent.
    /// Arithmetic is unchecked like Redis's, so RANK -9223372036854775808 behaves as it does there.
    /// </summary>
    public bool ListPositions(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> element, long rank, long count, long maxLength, List<long> found)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var list = ReadList(shard, session, key, NowMs());
            if (list is null) return false;
            bool fromTail = rank < 0;
            if (fromTail) rank = unchecked(-rank);
            long matches = 0;
            byte[][]? packed = null; // indexing packed elements walks each time: copy them out once
            if (list.IsPacked) list.CopyTo(0, packed = new byte[list.Length][]);
            for (int index = 0; index < list.Length && (maxLength == 0 || index < maxLength); index++)
            {
                int at = fromTail ? list.Length - 1 - index : index;
                if (!(packed?[at] ?? list[at]).AsSpan().SequenceEqual(element)) continue;
                matches++;
                if (matches < rank) continue;
                found.Add(at);
                if (unchecked(matches - rank + 1) >= count && count != 0) break;
            }
            return true;
        }
    }

    /// <summary>LMOVE/RPOPLPUSH: the element moved, or null when the source is absent.</summary>
    public byte[]? ListMove(Session session, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ListSide from, ListSide to)
    {
        using var locks = LockKeys(source, destination, stackalloc ulong[MaskWords]);
        return MoveLocked(session, source, destination, from, to);
    }

    /// <summary>Moves under the locks of both keys (held by the caller). The destination's type is checked only
    /// when there is something to move, as Redis does.</summary>
    private byte[]? MoveLocked(Session session, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ListSide from, ListSide to)
    {
        long now = NowMs();
        var list = AsList(ref LiveForWrite(session, ShardOf(source), source, now));
        if (list is null) return null;
        AsList(ref LiveForWrite(session, ShardOf(destination), destination, now));
        var element = list.Peek(from, 0);
        var buffer = EventBuffer.Start(ListEvents.Move);
        buffer.WriteArrayHeader(5);
        buffer.Write(session.Db);
        buffer.Write(source);
        buffer.Write((byte)from);
        buffer.Write(destination);
        buffer.Write((byte)to);
        if (LogAndApply(session, buffer) is { } notify)
        {
            // Redis's order: the push onto the destination, the pop from the source, the source's deletion.
            notify.Raise(KeyspaceEventTypes.List, to == ListSide.Left ? "lpush"u8 : "rpush"u8, session.Db, destination);
            notify.Raise(KeyspaceEventTypes.List, from == ListSide.Left ? "lpop"u8 : "rpop"u8, session.Db, source);
            NotifyIfGone(notify, session.Db, source);
        }
        return element;
    }
}
