using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>One element as commands return it; member arrays are never mutated, so they outlive the shard lock.</summary>
public readonly record struct ScoredMember(byte[] Member, double Score);

/// <summary>
/// A sorted set. While a listpack would hold it (at most zset-max-listpack-entries members of at most
/// zset-max-listpack-value bytes: 128 and 64 unless CONFIG SET changed them, see <see cref="EncodingLimits"/>; and
/// at most 255 bytes, the packed form's length byte) its elements are packed in
/// one array in order (<see cref="PackedScores"/>), walked for lookups and ranges as Redis walks its listpack; after
/// that, for good, a B+ tree ordered by (score, member bytes) for ranks and ranges (<see cref="ScoreTree"/>) plus a
/// member table for O(1) score lookups and ZSCAN, both holding the same member arrays. <see cref="Encoding"/> names
/// them as Redis does: listpack, then skiplist (like Redis, it does not go back when the set shrinks). Elements are
/// reached through a <see cref="ZCursor"/> either way.
/// </summary>
public sealed class ZSetValue : CollectionValue
{
    private PackedScores _packed = new(); // the elements while _tree is null
    private ScoreTree? _tree;
    private MemberTable? _table;          // with the tree
    /// <summary>The slot the last lookup found: a write checks the member, then its event's Apply sets it, so
    /// Apply finds it again with one compare instead of a second hash lookup. -1 whenever a member leaves.</summary>
    private int _lastSlot = -1;

    /// <summary>A sorted set of exactly <paramref name="elements"/> (distinct members, in score order), keeping the
    /// arrays themselves in a tree: a *STORE result, whose members are other sets' arrays, which no one mutates.</summary>
    public static ZSetValue OfSorted(List<ScoredMember> elements)
    {
        var zset = new ZSetValue();
        if (elements.Count > EncodingLimits.ZSetMaxListpackEntries || elements.Exists(e => !FitsPacked(e.Member.Length)))
        {
            zset.BecomeSkiplist();
            foreach (var (member, score) in elements)
            {
                double normal = score + 0.0; // -0 becomes 0, as in Set
                zset._table!.Add(member, normal);
                zset._tree!.Insert(normal, member);
            }
        }
        else
        {
            foreach (var (member, score) in elements) zset._packed.Insert(score + 0.0, member); // ties in member order
        }
        zset.Resized();
        return zset;
    }

    public override string TypeName => "zset";
    public override string Encoding => IsSkiplist ? "skiplist" : "listpack";
    public override long Count => _tree?.Count ?? _packed.Count;

    /// <summary>Sticky, as Redis's conversion to a skip list is: the tree and member table from then on.</summary>
    public bool IsSkiplist => _tree is not null;

    /// <summary>Whether a member this long may stay packed (and the set a listpack).</summary>
    private static bool FitsPacked(int memberLength) => memberLength <= Math.Min(EncodingLimits.ZSetMaxListpackValue, byte.MaxValue);

    /// <summary>The tree; null while packed (tests check its invariants).</summary>
    internal ScoreTree? Tree => _tree;

    /// <summary>The member table; null while packed.</summary>
    public MemberTable? Table => _table;

    public ZCursor First => _tree is { } tree ? new ZCursor(tree.First) : _packed.CursorAt(_packed.First);

    public ZCursor Last => _tree is { } tree ? new ZCursor(tree.Last) : _packed.CursorAt(_packed.Last);

    /// <summary>The element at 0-based <paramref name="rank"/>; not valid when out of range.</summary>
    public ZCursor At(long rank)
    {
        if (_tree is { } tree) return new ZCursor(tree.At(rank));
        return (ulong)rank < (ulong)_packed.Count ? _packed.CursorAt(_packed.OffsetOf(rank)) : default;
    }

    public ZCursor FirstInRange(in ScoreRange range)
    {
        if (_tree is { } tree) return new ZCursor(tree.FirstInRange(range));
        var at = _packed.CursorAt(_packed.Seek(new ScoreFrom(range), out _));
        return at.IsValid && range.BelowMax(at.Score) ? at : default;
    }

    public ZCursor LastInRange(in ScoreRange range)
    {
        if (_tree is { } tree) return new ZCursor(tree.LastInRange(range));
        var at = _packed.CursorAt(_packed.Before(_packed.Seek(new ScoreAfter(range), out _)));
        return at.IsValid && range.AboveMin(at.Score) ? at : default;
    }

    public ZCursor FirstInRange(in LexRange range)
    {
        if (_tree is { } tree) return new ZCursor(tree.FirstInRange(range));
        var at = _packed.CursorAt(_packed.Seek(new LexFrom(range), out _));
        return at.IsValid && range.BelowMax(at.MemberSpan) ? at : default;
    }

    public ZCursor LastInRange(in LexRange range)
    {
        if (_tree is { } tree) return new ZCursor(tree.LastInRange(range));
        var at = _packed.CursorAt(_packed.Before(_packed.Seek(new LexAfter(range), out _)));
        return at.IsValid && range.AboveMin(at.MemberSpan) ? at : default;
    }

    /// <summary>The 0-based rank of the element a cursor of this set is at.</summary>
    public long RankOf(in ZCursor at)
    {
        if (_tree is { } tree) return tree.RankOf(at.Score, at.Member);
        long rank = 0;
        for (int offset = 0; offset < at.Offset; offset = _packed.Next(offset)) rank++;
        return rank;
    }

    /// <summary>The 0-based ranks of the first and last elements whose scores are in range; false when none is.</summary>
    public bool RanksInRange(in ScoreRange range, out long first, out long last)
    {
        if (_tree is { } tree) return tree.RanksInRange(range, out first, out last);
        _packed.Seek(new ScoreFrom(range), out first);
        _packed.Seek(new ScoreAfter(range), out long end);
        last = end - 1;
        return end > first;
    }

    /// <summary>The 0-based rank where a lex range starts (the first member at or above its minimum).</summary>
    public long LexStart(in LexRange range)
    {
        if (_tree is { } tree) return tree.LexStart(range);
        _packed.Seek(new LexFrom(range), out long rank);
        return rank;
    }

    /// <summary>The 0-based rank just past the members at or below a lex range's maximum.</summary>
    public long LexEnd(in LexRange range)
    {
        if (_tree is { } tree) return tree.LexEnd(range);
        _packed.Seek(new LexAfter(range), out long rank);
        return rank;
    }

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score)
    {
        if (_table is { } table)
        {
            int slot = Find(table, member);
            score = slot < 0 ? 0 : table.ScoreAt(slot);
            return slot >= 0;
        }
        int at = _packed.Find(member, out _);
        score = at < 0 ? 0 : _packed.ScoreAt(at);
        return at >= 0;
    }

    public bool Contains(ReadOnlySpan<byte> member) => TryGetScore(member, out _);

    /// <summary>The member's slot in the member table, or -1.</summary>
    private int Find(MemberTable table, ReadOnlySpan<byte> member)
    {
        if (_lastSlot >= 0 && member.SequenceEqual(table.MemberAt(_lastSlot))) return _lastSlot;
        int slot = table.Find(member);
        if (slot >= 0) _lastSlot = slot;
        return slot;
    }

    /// <summary>Inserts or moves the member to <paramref name="score"/>; true when it was added.</summary>
    public bool Set(double score, ReadOnlySpan<byte> member)
    {
        score += 0.0; // -0 becomes 0: one zero, as Redis's listpack stores it
        if (_tree is null)
        {
            int at = _packed.Find(member, out _);
            if (at >= 0)
            {
                if (_packed.ScoreAt(at) == score) return false;
                _packed.RemoveRange(at, _packed.Next(at), 1);
                _packed.Insert(score, member);
                Resized();
                return false;
            }
            if (_packed.Count < EncodingLimits.ZSetMaxListpackEntries && FitsPacked(member.Length))
            {
                _packed.Insert(score, member);
                Resized();
                return true;
            }
            BecomeSkiplist();
        }
        var table = _table!;
        int slot = Find(table, member);
        if (slot >= 0)
        {
            ref double current = ref table.ScoreAt(slot);
            if (current != score)
            {
                _tree!.Move(current, table.MemberAt(slot)!, score);
                current = score;
            }
            return false;
        }
        var stored = member.ToArray();
        _lastSlot = table.Add(stored, score);
        _tree!.Insert(score, stored);
        Resized();
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_tree is null)
        {
            int at = _packed.Find(member, out _);
            if (at < 0) return false;
            _packed.RemoveRange(at, _packed.Next(at), 1);
        }
        else
        {
            if (!_table!.Remove(member, out var stored, out double score)) return false;
            _lastSlot = -1;
            _tree.Remove(score, stored);
        }
        Resized();
        return true;
    }

    internal override bool PrefetchPacked()
    {
        if (_tree != null) return false;
        _packed.Prefetch();
        return true;
    }

    /// <summary>Moves the packed elements into a tree and member table, for good.</summary>
    private void BecomeSkiplist()
    {
        var tree = new ScoreTree();
        var table = new MemberTable();
        for (int at = 0; at < _packed.End; at = _packed.Next(at))
        {
            var member = _packed.MemberAt(at).ToArray();
            double score = _packed.ScoreAt(at);
            table.Add(member, score);
            tree.Insert(score, member);
        }
        _packed = new PackedScores();
        _tree = tree;
        _table = table;
    }

    // Fields: the base's size, account and capture mark, the packed elements (16), the tree and table references,
    // the slot.
    protected override long MeasureBytes()
        => MemorySize.Object(60) + (_tree is null ? _packed.Bytes : _tree.Bytes + _table!.Bytes);

    /// <summary>Removes the elements at 0-based ranks start..end (inclusive, already within the set).</summary>
    public void RemoveRankRange(long start, long end)
    {
        if (_tree is null)
        {
            int from = _packed.OffsetOf(start), to = from;
            for (long i = start; i <= end; i++) to = _packed.Next(to);
            _packed.RemoveRange(from, to, (int)(end - start + 1));
            Resized();
            return;
        }
        _lastSlot = -1;
        for (long i = start; i <= end; i++) _table!.Remove(_tree.RemoveAt(start), out _, out _);
        Resized();
    }

    /// <summary>0-based rank from the low end (or the high end when <paramref name="reverse"/>), -1 when absent.</summary>
    public long RankOf(ReadOnlySpan<byte> member, bool reverse, out double score)
    {
        long rank;
        if (_tree is null)
        {
            int at = _packed.Find(member, out rank);
            if (at < 0)
            {
                score = 0;
                return -1;
            }
            score = _packed.ScoreAt(at);
        }
        else
        {
            int slot = Find(_table!, member);
            if (slot < 0)
            {
                score = 0;
                return -1;
            }
            score = _table!.ScoreAt(slot);
            rank = _tree.RankOf(score, _table.MemberAt(slot)!);
        }
        return reverse ? Count - 1 - rank : rank;
    }

    public override void AppendDigest(XxHash3 hash)
    {
        Span<byte> meta = stackalloc byte[16];
        BitConverter.TryWriteBytes(meta, Count);
        hash.Append(meta[..8]);
        for (var at = First; at.IsValid; at.MoveNext())
        {
            var member = at.MemberSpan;
            BitConverter.TryWriteBytes(meta, member.Length);
            BitConverter.TryWriteBytes(meta[4..], at.Score);
            hash.Append(meta[..12]);
            hash.Append(member);
        }
    }

    public override CollectionValue Clone()
    {
        if (_tree is null)
        {
            var packed = new ZSetValue { _packed = _packed.Clone() };
            packed.Resized();
            return packed;
        }
        var copy = new ZSetValue();
        copy.BecomeSkiplist();
        for (var at = _tree.First; at.IsValid; at.MoveNext()) copy.Set(at.Score, at.Member);
        return copy;
    }

    /// <summary>ZADD-like events of at most 1024 elements each, in order.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        const int Chunk = 1024;
        var at = First;
        long left = Count;
        while (at.IsValid)
        {
            int n = (int)Math.Min(Chunk, left);
            var buffer = EventBuffer.Start(SortedSetEvents.Add);
            buffer.WriteArrayHeader(2 + 2 * n);
            buffer.Write(db);
            buffer.Write(key);
            for (int i = 0; i < n; i++, at.MoveNext())
            {
                buffer.Write(BitConverter.DoubleToInt64Bits(at.Score));
                buffer.Write(at.MemberSpan);
            }
            left -= n;
            sink.Emit(buffer);
        }
    }
}
