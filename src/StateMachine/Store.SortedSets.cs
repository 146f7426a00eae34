using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>
/// The sorted-set event kinds (80..99). Scores travel as the 64-bit pattern of the double, so replay gets exactly
/// the live value. Events say what the set becomes: ZINCRBY and ZADD INCR log the resulting score, pops log the
/// members they removed, ZRANGESTORE and the GEO stores log the resulting set; but ZUNIONSTORE, ZINTERSTORE and
/// ZDIFFSTORE log the operation over their keys (<see cref="CombineStore"/>), whose result may be far larger.
/// </summary>
internal static class SortedSetEvents
{
    /// <summary>[db, key, score, member, score, member...] — sets each member's score (adding it), in order; creates the key.</summary>
    public const EventKind Add = (EventKind)80;
    /// <summary>[db, key, member...] — removes the members; an emptied set deletes the key.</summary>
    public const EventKind Remove = (EventKind)81;
    /// <summary>[db, key, start, end] — removes the elements at 0-based ranks start..end (ZREMRANGEBY*, resolved live).</summary>
    public const EventKind RemoveRankRange = (EventKind)82;
    /// <summary>[db, key, score, member...] — replaces the key (value and TTL) with a new set of these elements.</summary>
    public const EventKind Store = (EventKind)83;
    /// <summary>[db, destination, operation, aggregate, weight..., source...] — ZUNIONSTORE, ZINTERSTORE,
    /// ZDIFFSTORE: Apply computes the result from the sources as they are at that point of the log (weights as the
    /// 64-bit patterns of the doubles, sums taken in Redis's order) and replaces the destination with it (no TTL;
    /// an empty result deletes it).</summary>
    public const EventKind CombineStore = (EventKind)84;
}

[Flags]
public enum ZAddFlags { None = 0, IfNotExists = 1, IfExists = 2, IfGreater = 4, IfLess = 8, Changed = 16, Increment = 32 }

/// <summary>ZADD's answer: the count it replies (added, or added + updated with CH), and for INCR the new score
/// (null when a condition stopped it).</summary>
public readonly record struct ZAddResult(long Count, double? Score);

/// <summary>Sorted sets: the write commands and the events they log. Reads are in Store.SortedSetReads.cs.</summary>
public sealed partial class Store
{
    public const string NaNScoreError = "ERR resulting score is not a number (NaN)";

    [ThreadStatic] private static List<(int Arg, double Score)>? _zaddChanges;

    private void ApplySortedSet(EventKind kind, ref EventReader r, int fields)
    {
        int db = r.ReadInt32();
        var key = r.ReadBytes();
        var database = ShardOf(key).Db(db);
        switch (kind)
        {
            case SortedSetEvents.Add:
            {
                ref Entry entry = ref database.GetOrAdd(key, out bool existed);
                if (!existed) database.SetValue(ref entry, new ZSetValue());
                var zset = (ZSetValue)Unshared(database, ref entry);
                for (int i = 2; i < fields; i += 2)
                {
                    double score = BitConverter.Int64BitsToDouble(r.ReadInt64());
                    zset.Set(score, r.ReadBytes());
                }
                SignalKeyReady(db, key); // a client blocked in BZPOPMIN/BZPOPMAX/BZMPOP may now be served
                break;
            }
            case SortedSetEvents.Remove:
            {
                ref Entry entry = ref database.Find(key);
                if (Unsafe.IsNullRef(ref entry)) break;
                var zset = (ZSetValue)Unshared(database, ref entry);
                for (int i = 2; i < fields; i++) zset.Remove(r.ReadBytes());
                if (zset.Count == 0) database.Remove(key);
                break;
            }
            case SortedSetEvents.RemoveRankRange:
            {
                ref Entry entry = ref database.Find(key);
                if (Unsafe.IsNullRef(ref entry)) break;
                var zset = (ZSetValue)Unshared(database, ref entry);
                long start = r.ReadInt64();
                zset.RemoveRankRange(start, r.ReadInt64());
                if (zset.Count == 0) database.Remove(key);
                break;
            }
            case SortedSetEvents.Store:
            {
                var zset = new ZSetValue();
                for (int i = 2; i < fields; i += 2)
                {
                    double score = BitConverter.Int64BitsToDouble(r.ReadInt64());
                    zset.Set(score, r.ReadBytes());
                }
                ref Entry entry = ref database.GetOrAdd(key, out _);
                database.SetValue(ref entry, zset);
                database.SetExpiry(key, ref entry, 0);
                SignalKeyReady(db, key);
                break;
            }
            case SortedSetEvents.CombineStore:
                ApplyCombineStore(db, key, ref r, fields);
                break;
            default:
                throw new UnknownEventKindException($"unknown SortedSets event kind {(byte)kind}");
        }
    }

    /// <summary>The live sorted set at the key for a write (an expired one is deleted first), null when absent.</summary>
    private ZSetValue? ZSetForWrite(Session session, Shard shard, ReadOnlySpan<byte> key, long now)
    {
        ref Entry entry = ref LiveForWrite(session, shard, key, now);
        if (Unsafe.IsNullRef(ref entry)) return null;
        Touch(ref entry, Clock(now));
        return entry.Value as ZSetValue ?? throw CommandError.WrongType();
    }

    /// <summary>
    /// ZADD and ZINCRBY. The pair i is (scores[i], args[first + 2i + 1]); scores are parsed by the caller, so a bad
    /// one fails before anything happens. Members repeated within one call see each other's effect, as in Redis.
    /// </summary>
    public ZAddResult SortedSetAdd<TArgs>(Session session, ReadOnlySpan<byte> key, ZAddFlags flags, TArgs args, int first,
        ReadOnlySpan<double> scores) where TArgs : IKeyList, allows ref struct
    {
        bool nx = (flags & ZAddFlags.IfNotExists) != 0, xx = (flags & ZAddFlags.IfExists) != 0;
        bool gt = (flags & ZAddFlags.IfGreater) != 0, lt = (flags & ZAddFlags.IfLess) != 0;
        bool incr = (flags & ZAddFlags.Increment) != 0;
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            var zset = ZSetForWrite(session, shard, key, now);
            if (zset is null && xx) return new ZAddResult(0, null);
            var changes = _zaddChanges ??= [];
            changes.Clear();
            // Scores this call has already decided, for a member named twice.
            Dictionary<byte[], double>? pending = scores.Length > 1 ? new(KeyComparer.Instance) : null;
            long added = 0, updated = 0;
            bool processed = false;
            double result = 0;
            for (int i = 0; i < scores.Length; i++)
            {
                var member = args[first + 2 * i + 1];
                double current = 0, score = scores[i];
                bool exists = pending is not null && pending.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(member, out current);
                if (!exists && zset is not null) exists = zset.TryGetScore(member, out current);
                if (exists)
                {
                    if (nx) continue;
                    if (incr)
                    {
                        score = current + score;
                        if (double.IsNaN(score)) throw new CommandError(NaNScoreError);
                    }
                    if ((lt && score >= current) || (gt && score <= current)) continue;
                    processed = true;
                    result = score;
                    if (score == current) continue;
                    updated++;
                }
                else
                {
                    if (xx) continue;
                    processed = true;
                    result = score;
                    added++;
                }
                changes.Add((first + 2 * i + 1, score));
                if (pending is not null) pending.GetAlternateLookup<ReadOnlySpan<byte>>()[member] = score;
            }
            if (changes.Count > 0)
            {
                var buffer = EventBuffer.Start(SortedSetEvents.Add);
                buffer.WriteArrayHeader(2 + 2 * changes.Count);
                buffer.Write(session.Db);
                buffer.Write(key);
                foreach (var (arg, score) in changes)
                {
                    buffer.Write(BitConverter.DoubleToInt64Bits(score));
                    buffer.Write(args[arg]);
                }
                LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.ZSet, incr ? "zincr"u8 : "zadd"u8, session.Db, key);
            }
            long count = (flags & ZAddFlags.Changed) != 0 ? added + updated : added;
            return new ZAddResult(count, processed ? result : null);
        }
    }

    /// <summary>ZREM of members args[first..]: how many were there.</summary>
    public long SortedSetRemove<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            var zset = ZSetForWrite(session, shard, key, now);
            if (zset is null) return 0;
            Span<bool> chosen = args.Count <= 256 ? stackalloc bool[args.Count] : new bool[args.Count];
            // Repeated members count once: a pairwise check for a few, a set for many (ZREM of 100k members).
            var seen = args.Count - first > 16 ? new HashSet<byte[]>(KeyComparer.Instance).GetAlternateLookup<ReadOnlySpan<byte>>() : default;
            int present = 0;
            for (int i = first; i < args.Count; i++)
            {
                if (!zset.Contains(args[i])) continue;
                if (seen.Set is not null ? !seen.Add(args[i]) : SeenBefore(args, first, i, chosen)) continue;
                chosen[i] = true;
                present++;
            }
            if (present == 0) return 0;
            var buffer = EventBuffer.Start(SortedSetEvents.Remove);
            buffer.WriteArrayHeader(2 + present);
            buffer.Write(session.Db);
            buffer.Write(key);
            for (int i = first; i < args.Count; i++)
                if (chosen[i]) buffer.Write(args[i]);
            var notify = LogAndApply(session, buffer);
            notify?.Raise(KeyspaceEventTypes.ZSet, "zrem"u8, session.Db, key);
            NotifyIfGone(notify, session.Db, key);
            return present;
        }
    }

    /// <summary>
    /// ZPOPMIN / ZPOPMAX (and the blocking variants' non-blocking step): removes up to <paramref name="count"/>
    /// elements from the low or high end and returns them in pop order; null when the key does not exist.
    /// Logged as the members removed.
    /// </summary>
    public List<ScoredMember>? SortedSetPop(Session session, ReadOnlySpan<byte> key, bool max, long count)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            var zset = ZSetForWrite(session, shard, key, now);
            if (zset is null) return null;
            int n = (int)Math.Min(count, zset.Count);
            var popped = new List<ScoredMember>(n);
            if (n == 0) return popped;
            var at = max ? zset.Last : zset.First;
            for (int i = 0; i < n; i++, at.Move(reverse: max)) popped.Add(new ScoredMember(at.Member, at.Score));
            var buffer = EventBuffer.Start(SortedSetEvents.Remove);
            buffer.WriteArrayHeader(2 + n);
            buffer.Write(session.Db);
            buffer.Write(key);
            foreach (var element in popped) buffer.Write(element.Member);
            var notify = LogAndApply(session, buffer);
            notify?.Raise(KeyspaceEventTypes.ZSet, max ? "zpopmax"u8 : "zpopmin"u8, session.Db, key);
            NotifyIfGone(notify, session.Db, key);
            return popped;
        }
    }

    /// <summary>ZREMRANGEBYRANK: start and stop as the client gave them (negative from the end).</summary>
    public long SortedSetRemoveRangeByRank(Session session, ReadOnlySpan<byte> key, long start, long stop)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var zset = ZSetForWrite(session, shard, key, NowMs());
            if (zset is null || !NormalizeRanks(zset.Count, ref start, ref stop)) return 0;
            return LogRemoveRanks(session, key, start, stop, "zremrangebyrank"u8);
        }
    }

    public long SortedSetRemoveRangeByScore(Session session, ReadOnlySpan<byte> key, in ScoreRange range)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var zset = ZSetForWrite(session, shard, key, NowMs());
            if (zset is null || !zset.RanksInRange(range, out long first, out long last)) return 0;
            return LogRemoveRanks(session, key, first, last, "zremrangebyscore"u8);
        }
    }

    public long SortedSetRemoveRangeByLex(Session session, ReadOnlySpan<byte> key, in LexRange range)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var zset = ZSetForWrite(session, shard, key, NowMs());
            if (zset is null) return 0;
            var first = zset.FirstInRange(range);
            if (!first.IsValid) return 0;
            // Like Redis: from the first member in range, forward while below the maximum (which, in a set whose
            // scores differ, is not the same as "up to the last member in range").
            long start = zset.RankOf(first), count = 0;
            for (var at = first; at.IsValid && range.BelowMax(at.MemberSpan); at.MoveNext()) count++;
            return LogRemoveRanks(session, key, start, start + count - 1, "zremrangebylex"u8);
        }
    }

    private long LogRemoveRanks(Session session, ReadOnlySpan<byte> key, long start, long end, ReadOnlySpan<byte> eventName)
    {
        var buffer = EventBuffer.Start(SortedSetEvents.RemoveRankRange);
        buffer.WriteArrayHeader(4);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(start);
        buffer.Write(end);
        var notify = LogAndApply(session, buffer);
        notify?.Raise(KeyspaceEventTypes.ZSet, eventName, session.Db, key);
        NotifyIfGone(notify, session.Db, key);
        return end - start + 1;
    }

    /// <summary>Redis's index sanitising for rank ranges: negatives count from the end; false when empty.</summary>
    internal static bool NormalizeRanks(long length, ref long start, ref long end)
    {
        if (start < 0) start = length + start;
        if (end < 0) end = length + end;
        if (start < 0) start = 0;
        if (start > end || start >= length) return false;
        if (end >= length) end = length - 1;
        return true;
    }

    /// <summary>Replaces <paramref name="destination"/> with <paramref name="elements"/> (sorted), or deletes it
    /// when there are none; returns the new size. Callers hold the destination's shard lock.</summary>
    private long StoreSortedSet(Session session, ReadOnlySpan<byte> destination, List<ScoredMember> elements, ReadOnlySpan<byte> eventName)
    {
        if (elements.Count == 0)
        {
            DeleteStoreDestination(session, destination);
            return 0;
        }
        var buffer = EventBuffer.Start(SortedSetEvents.Store);
        buffer.WriteArrayHeader(2 + 2 * elements.Count);
        buffer.Write(session.Db);
        buffer.Write(destination);
        foreach (var element in elements)
        {
            buffer.Write(BitConverter.DoubleToInt64Bits(element.Score));
            buffer.Write(element.Member);
        }
        LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.ZSet, eventName, session.Db, destination);
        return elements.Count;
    }
}
