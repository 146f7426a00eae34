using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

public enum ZRangeBy : byte { Rank, Score, Lex }

/// <summary>What ZRANGE and its older forms ask for: by rank (Start..Stop), by score or by lex, possibly reversed,
/// with LIMIT offset count for score and lex ranges (a negative count means all).</summary>
public ref struct ZRangeQuery
{
    public ZRangeBy By;
    public bool Reverse;
    public long Start, Stop;
    public ScoreRange Scores;
    public LexRange Lex;
    public long Offset;
    public long Limit;
}

/// <summary>Sorted sets: the read commands (no events), plus ZRANGESTORE which reads a range and stores it.</summary>
public sealed partial class Store
{
    /// <summary>The live sorted set at the key for a read (counts a hit or a miss), null when absent.</summary>
    private ZSetValue? ZSetForRead(Shard shard, Session session, ReadOnlySpan<byte> key, long now)
    {
        ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
        if (Unsafe.IsNullRef(ref entry))
        {
            shard.Misses++;
            NotifyMiss(session, key);
            return null;
        }
        var zset = entry.Value as ZSetValue ?? throw CommandError.WrongType();
        shard.Hits++;
        Touch(ref entry, Clock(now));
        return zset;
    }

    public long SortedSetCard(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ZSetForRead(shard, session, key, NowMs())?.Count ?? 0;
    }

    public double? SortedSetScore(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var zset = ZSetForRead(shard, session, key, NowMs());
            return zset is not null && zset.TryGetScore(member, out double score) ? score : null;
        }
    }

    /// <summary>ZMSCORE: the score of each member args[first..] (null when absent, or when the key is).</summary>
    public double?[] SortedSetScores<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        var scores = new double?[args.Count - first];
        lock (shard.Lock)
        {
            var zset = ZSetForRead(shard, session, key, NowMs());
            if (zset is null) return scores;
            for (int i = first; i < args.Count; i++)
                if (zset.TryGetScore(args[i], out double score)) scores[i - first] = score;
        }
        return scores;
    }

    /// <summary>ZRANK / ZREVRANK: 0-based rank, or -1 when the member or the key is absent.</summary>
    public long SortedSetRank(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member, bool reverse, out double score)
    {
        var shard = ShardOf(key);
        score = 0;
        lock (shard.Lock)
        {
            var zset = ZSetForRead(shard, session, key, NowMs());
            return zset?.RankOf(member, reverse, out score) ?? -1;
        }
    }

    public long SortedSetCount(Session session, ReadOnlySpan<byte> key, in ScoreRange range)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var zset = ZSetForRead(shard, session, key, NowMs());
            if (zset is null || !zset.RanksInRange(range, out long first, out long last)) return 0;
            return last - first + 1;
        }
    }

    public long SortedSetLexCount(Session session, ReadOnlySpan<byte> key, in LexRange range)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var zset = ZSetForRead(shard, session, key, NowMs());
            return zset is null ? 0 : Math.Max(0, zset.LexEnd(range) - zset.LexStart(range));
        }
    }

    /// <summary>ZRANGE in all its forms: the elements, in reply order, into <paramref name="into"/>.</summary>
    public void SortedSetRange(Session session, ReadOnlySpan<byte> key, in ZRangeQuery query, List<ScoredMember> into)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var zset = ZSetForRead(shard, session, key, NowMs());
            if (zset is not null) CollectRange(zset, query, into);
        }
    }

    /// <summary>ZRANGESTORE: stores the range (sorted) at <paramref name="destination"/>; returns its size.</summary>
    public long SortedSetRangeStore(Session session, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> source, in ZRangeQuery query)
    {
        long now = NowMs();
        using var locks = LockKeys(destination, source, stackalloc ulong[MaskWords]);
        var zset = ZSetForRead(ShardOf(source), session, source, now);
        var elements = new List<ScoredMember>();
        if (zset is not null) CollectRange(zset, query, elements);
        if (query.Reverse) elements.Reverse();
        return StoreSortedSet(session, destination, elements, "zrangestore"u8);
    }

    private static void CollectRange(ZSetValue zset, in ZRangeQuery query, List<ScoredMember> into)
    {
        bool reverse = query.Reverse;
        if (query.By == ZRangeBy.Rank)
        {
            long start = query.Start, stop = query.Stop;
            if (!NormalizeRanks(zset.Count, ref start, ref stop)) return;
            var element = zset.At(reverse ? zset.Count - 1 - start : start);
            for (long n = stop - start + 1; n > 0 && element.IsValid; n--, element.Move(reverse))
                into.Add(new ScoredMember(element.Member, element.Score));
            return;
        }
        long offset = query.Offset, limit = query.Limit;
        // Redis walks a negative offset off the end of the set, and stops early on an offset past it.
        if (offset < 0 || (offset > 0 && offset >= zset.Count)) return;
        var at = query.By == ZRangeBy.Score
            ? reverse ? zset.LastInRange(query.Scores) : zset.FirstInRange(query.Scores)
            : reverse ? zset.LastInRange(query.Lex) : zset.FirstInRange(query.Lex);
        if (!at.IsValid) return;
        if (offset > 0)
        {
            long rank = zset.RankOf(at);
            at = zset.At(reverse ? rank - offset : rank + offset);
        }
        for (; at.IsValid && limit-- != 0; at.Move(reverse))
        {
            bool inside = query.By == ZRangeBy.Score
                ? reverse ? query.Scores.AboveMin(at.Score) : query.Scores.BelowMax(at.Score)
                : reverse ? query.Lex.AboveMin(at.MemberSpan) : query.Lex.BelowMax(at.MemberSpan);
            if (!inside) break;
            into.Add(new ScoredMember(at.Member, at.Score));
        }
    }

    /// <summary>
    /// ZRANDMEMBER key count, as Redis picks: a negative count allows repeats (in random order); a count at least
    /// the size returns the whole set (highest first, as Redis iterates); otherwise distinct random members.
    /// Null when the key does not exist.
    /// </summary>
    public List<ScoredMember>? SortedSetRandomMembers(Session session, ReadOnlySpan<byte> key, long count)
    {
        var shard = ShardOf(key);
        var random = Random.Shared;
        lock (shard.Lock)
        {
            var zset = ZSetForRead(shard, session, key, NowMs());
            if (zset is null) return null;
            long size = zset.Count;
            var picked = new List<ScoredMember>((int)Math.Min(Math.Abs(count), Math.Max(size, 1024)));
            if (count == 0) return picked;
            // Packed elements are reached by rank with a walk: copy them out once rather than walk for every pick.
            var packed = zset.IsSkiplist ? null : AllElements(zset);
            ScoredMember ElementAt(long rank)
            {
                if (packed != null) return packed[rank];
                var at = zset.At(rank);
                return new ScoredMember(at.Member, at.Score);
            }
            if (count < 0 || count == 1)
            {
                for (long i = Math.Abs(count); i > 0; i--) picked.Add(ElementAt(random.NextInt64(size)));
            }
            else if (count >= size)
            {
                for (var at = zset.Last; at.IsValid; at.MovePrevious()) picked.Add(new ScoredMember(at.Member, at.Score));
            }
            else if (count * 3 > size)
            {
                // Few left out: a partial shuffle of all ranks.
                var ranks = new long[size];
                for (long i = 0; i < size; i++) ranks[i] = i;
                for (long i = 0; i < count; i++)
                {
                    long j = i + random.NextInt64(size - i);
                    (ranks[i], ranks[j]) = (ranks[j], ranks[i]);
                    picked.Add(ElementAt(ranks[i]));
                }
            }
            else
            {
                var seen = new HashSet<long>();
                while (picked.Count < count)
                {
                    long rank = random.NextInt64(size);
                    if (!seen.Add(rank)) continue;
                    picked.Add(ElementAt(rank));
                }
            }
            return picked;
        }
    }

    /// <summary>Every element, in order.</summary>
    private static ScoredMember[] AllElements(ZSetValue zset)
    {
        var all = new ScoredMember[zset.Count];
        int n = 0;
        for (var at = zset.First; at.IsValid; at.MoveNext()) all[n++] = new ScoredMember(at.Member, at.Score);
        return all;
    }

    /// <summary>
    /// ZSCAN. A listpack-sized set is returned whole with cursor 0 (as Redis does); a bigger one by member-table
    /// slot, the cursor being the next slot index, so a member present throughout is returned exactly once.
    /// </summary>
    public long SortedSetScan(Session session, ReadOnlySpan<byte> key, long cursor, ReadOnlySpan<byte> pattern, int count, List<ScoredMember> into)
    {
        bool all = pattern.Length == 1 && pattern[0] == '*';
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var zset = ZSetForRead(shard, session, key, NowMs());
            if (zset is null) return 0;
            if (!zset.IsSkiplist)
            {
                for (var at = zset.First; at.IsValid; at.MoveNext())
                    if (all || Glob.Match(pattern, at.MemberSpan)) into.Add(new ScoredMember(at.Member, at.Score));
                return 0;
            }
            var table = zset.Table!; // a skiplist has its member table
            int seen = 0;
            for (long i = cursor; i < table.Capacity; i++)
            {
                if (seen >= count) return i;
                var member = table.MemberAt((int)i);
                if (member is null) continue;
                seen++;
                if (all || Glob.Match(pattern, member)) into.Add(new ScoredMember(member, table.ScoreAt((int)i)));
            }
            return 0;
        }
    }
}
