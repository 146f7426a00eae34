using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>One element as commands return it; member arrays are never mutated, so they outlive the shard lock.</summary>
public readonly record struct ScoredMember(byte[] Member, double Score);

/// <summary>
/// A sorted set: a B+ tree ordered by (score, member bytes) for ranks and ranges (<see cref="ScoreTree"/>), and,
/// once the set is large, a member table for O(1) score lookups and ZSCAN; both hold the same member arrays.
/// <see cref="Encoding"/> reports the name Redis would use: listpack until the set has held more than 128 members or
/// a member longer than 64 bytes, then skiplist for good (like Redis, it does not go back when the set shrinks).
/// A set of at most <see cref="WalkMaxEntries"/> members has no member table: a member is looked up by walking the
/// tree's elements, as Redis walks its listpack, and the table's arrays (320 of a 5-member set's 980 bytes) are not
/// spent on it. The table comes with the 33rd member and stays.
/// </summary>
public sealed class ZSetValue : CollectionValue
{
    public const int ListpackMaxEntries = 128;
    public const int ListpackMaxValue = 64;

    /// <summary>Members looked up by walking, without a member table. Each step of the walk reads a member array
    /// elsewhere in memory (where Redis's listpack walk reads on in one block): a ZSCORE of the last of 120 members,
    /// walked, cost 1.6 us more than the table's lookup, and more than Redis's walk; of the last of 32, 0.5 us more,
    /// about what Redis's walk costs (docs/performance.md, twentieth round).</summary>
    public const int WalkMaxEntries = 32;

    private readonly ScoreTree _tree = new();
    /// <summary>Member to score, from the moment the set has more than <see cref="WalkMaxEntries"/> members or is a
    /// skiplist; null before.</summary>
    private MemberTable? _table;
    /// <summary>The slot the last lookup found: a write checks the member, then its event's Apply sets it, so
    /// Apply finds it again with one compare instead of a second hash lookup. -1 whenever a member leaves.</summary>
    private int _lastSlot = -1;

    /// <summary>A sorted set of exactly <paramref name="elements"/> (distinct members, in score order), keeping the
    /// arrays themselves: a *STORE result, whose members are other sets' arrays, which no one mutates.</summary>
    public static ZSetValue OfSorted(List<ScoredMember> elements)
    {
        var zset = new ZSetValue();
        foreach (var (member, score) in elements)
        {
            zset._tree.Insert(score + 0.0, member); // -0 becomes 0, as in Set
            if (member.Length > ListpackMaxValue) zset.IsSkiplist = true;
        }
        if (zset._tree.Count > ListpackMaxEntries) zset.IsSkiplist = true;
        if (zset.IsSkiplist || zset._tree.Count > WalkMaxEntries) zset.BuildTable();
        zset.Resized();
        return zset;
    }

    public override string TypeName => "zset";
    public override string Encoding => IsSkiplist ? "skiplist" : "listpack";
    public override long Count => _tree.Count;

    /// <summary>Sticky, as Redis's conversion to a skip list is.</summary>
    public bool IsSkiplist { get; private set; }

    public ScoreTree Tree => _tree;

    /// <summary>The member table; null while the set is small enough to walk (always there for a skiplist).</summary>
    public MemberTable? Table => _table;

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score) => Lookup(member, out score, out _);

    public bool Contains(ReadOnlySpan<byte> member) => Lookup(member, out _, out _);

    /// <summary>The member's score and stored array; false when absent.</summary>
    private bool Lookup(ReadOnlySpan<byte> member, out double score, out byte[] stored)
    {
        if (_table is { } table)
        {
            int slot = Find(table, member);
            score = slot < 0 ? 0 : table.ScoreAt(slot);
            stored = slot < 0 ? null! : table.MemberAt(slot)!;
            return slot >= 0;
        }
        for (var at = _tree.First; at.IsValid; at.MoveNext())
        {
            if (!member.SequenceEqual(at.Member)) continue;
            score = at.Score;
            stored = at.Member;
            return true;
        }
        score = 0;
        stored = null!;
        return false;
    }

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
        if (_table is { } table)
        {
            int slot = Find(table, member);
            if (slot >= 0)
            {
                ref double current = ref table.ScoreAt(slot);
                if (current != score)
                {
                    _tree.Move(current, table.MemberAt(slot)!, score);
                    current = score;
                }
                return false;
            }
        }
        else if (Lookup(member, out double current, out var existing))
        {
            if (current != score) _tree.Move(current, existing, score);
            return false;
        }
        var stored = member.ToArray();
        _tree.Insert(score, stored);
        if (_tree.Count > ListpackMaxEntries || member.Length > ListpackMaxValue) IsSkiplist = true;
        if (_table != null) _lastSlot = _table.Add(stored, score);
        else if (_tree.Count > WalkMaxEntries || IsSkiplist) BuildTable();
        Resized();
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_table is { } table)
        {
            if (!table.Remove(member, out var stored, out double score)) return false;
            _lastSlot = -1;
            _tree.Remove(score, stored);
        }
        else
        {
            if (!Lookup(member, out double score, out var stored)) return false;
            _tree.Remove(score, stored);
        }
        Resized();
        return true;
    }

    /// <summary>Builds the member table from the tree; it stays from now on.</summary>
    private void BuildTable()
    {
        var table = new MemberTable();
        for (var at = _tree.First; at.IsValid; at.MoveNext()) table.Add(at.Member, at.Score);
        _table = table;
    }

    // Fields: the base's size, account and capture mark, the tree and table references, the slot, the encoding flag.
    protected override long MeasureBytes() => MemorySize.Object(48) + _tree.Bytes + (_table?.Bytes ?? 0);

    /// <summary>Removes the elements at 0-based ranks start..end (inclusive, already within the set).</summary>
    public void RemoveRankRange(long start, long end)
    {
        _lastSlot = -1;
        for (long i = start; i <= end; i++)
        {
            var removed = _tree.RemoveAt(start);
            _table?.Remove(removed, out _, out _);
        }
        Resized();
    }

    /// <summary>0-based rank from the low end (or the high end when <paramref name="reverse"/>), -1 when absent.</summary>
    public long RankOf(ReadOnlySpan<byte> member, bool reverse, out double score)
    {
        if (!Lookup(member, out score, out var stored)) return -1;
        long rank = _tree.RankOf(score, stored);
        return reverse ? Count - 1 - rank : rank;
    }

    public override void AppendDigest(XxHash3 hash)
    {
        Span<byte> meta = stackalloc byte[16];
        BitConverter.TryWriteBytes(meta, Count);
        hash.Append(meta[..8]);
        for (var at = _tree.First; at.IsValid; at.MoveNext())
        {
            BitConverter.TryWriteBytes(meta, at.Member.Length);
            BitConverter.TryWriteBytes(meta[4..], at.Score);
            hash.Append(meta[..12]);
            hash.Append(at.Member);
        }
    }

    public override CollectionValue Clone()
    {
        var copy = new ZSetValue { IsSkiplist = IsSkiplist };
        if (_table != null) copy.BuildTable();
        for (var at = _tree.First; at.IsValid; at.MoveNext()) copy.Set(at.Score, at.Member);
        return copy;
    }

    /// <summary>ZADD-like events of at most 1024 elements each, in order.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        const int Chunk = 1024;
        var at = _tree.First;
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
                buffer.Write(at.Member);
            }
            left -= n;
            sink.Emit(buffer);
        }
    }
}
