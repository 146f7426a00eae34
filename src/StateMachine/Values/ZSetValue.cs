using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>One element as commands return it; member arrays are never mutated, so they outlive the shard lock.</summary>
public readonly record struct ScoredMember(byte[] Member, double Score);

/// <summary>
/// A sorted set: a B+ tree ordered by (score, member bytes) for ranks and ranges (<see cref="ScoreTree"/>), plus a
/// member table for O(1) score lookups and ZSCAN; both hold the same member arrays. One representation whatever
/// the size; <see cref="Encoding"/> only reports the name Redis would use (listpack until the set has held more
/// than 128 members or a member longer than 64 bytes; like Redis, it does not go back when the set shrinks).
/// </summary>
public sealed class ZSetValue : CollectionValue
{
    public const int ListpackMaxEntries = 128;
    public const int ListpackMaxValue = 64;

    private readonly ScoreTree _tree = new();
    private readonly MemberTable _table = new();
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
            double normal = score + 0.0; // -0 becomes 0, as in Set
            zset._table.Add(member, normal);
            zset._tree.Insert(normal, member);
            if (member.Length > ListpackMaxValue) zset.IsSkiplist = true;
        }
        if (zset._tree.Count > ListpackMaxEntries) zset.IsSkiplist = true;
        zset.Resized();
        return zset;
    }

    public override string TypeName => "zset";
    public override string Encoding => IsSkiplist ? "skiplist" : "listpack";
    public override long Count => _tree.Count;

    /// <summary>Sticky, as Redis's conversion to a skip list is.</summary>
    public bool IsSkiplist { get; private set; }

    public ScoreTree Tree => _tree;
    public MemberTable Table => _table;

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score)
    {
        int slot = Find(member);
        score = slot < 0 ? 0 : _table.ScoreAt(slot);
        return slot >= 0;
    }

    public bool Contains(ReadOnlySpan<byte> member) => Find(member) >= 0;

    /// <summary>The member's slot in the member table, or -1.</summary>
    private int Find(ReadOnlySpan<byte> member)
    {
        if (_lastSlot >= 0 && member.SequenceEqual(_table.MemberAt(_lastSlot))) return _lastSlot;
        int slot = _table.Find(member);
        if (slot >= 0) _lastSlot = slot;
        return slot;
    }

    /// <summary>Inserts or moves the member to <paramref name="score"/>; true when it was added.</summary>
    public bool Set(double score, ReadOnlySpan<byte> member)
    {
        score += 0.0; // -0 becomes 0: one zero, as Redis's listpack stores it
        int slot = Find(member);
        if (slot >= 0)
        {
            ref double current = ref _table.ScoreAt(slot);
            if (current != score)
            {
                _tree.Move(current, _table.MemberAt(slot)!, score);
                current = score;
            }
            return false;
        }
        var stored = member.ToArray();
        _lastSlot = _table.Add(stored, score);
        _tree.Insert(score, stored);
        if (_tree.Count > ListpackMaxEntries || member.Length > ListpackMaxValue) IsSkiplist = true;
        Resized();
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (!_table.Remove(member, out var stored, out double score)) return false;
        _lastSlot = -1;
        _tree.Remove(score, stored);
        Resized();
        return true;
    }

    // Fields: the base's size, account and capture mark, the tree and table references, the slot, the encoding flag.
    protected override long MeasureBytes() => MemorySize.Object(48) + _tree.Bytes + _table.Bytes;

    /// <summary>Removes the elements at 0-based ranks start..end (inclusive, already within the set).</summary>
    public void RemoveRankRange(long start, long end)
    {
        _lastSlot = -1;
        for (long i = start; i <= end; i++) _table.Remove(_tree.RemoveAt(start), out _, out _);
        Resized();
    }

    /// <summary>0-based rank from the low end (or the high end when <paramref name="reverse"/>), -1 when absent.</summary>
    public long RankOf(ReadOnlySpan<byte> member, bool reverse, out double score)
    {
        int slot = Find(member);
        if (slot < 0)
        {
            score = 0;
            return -1;
        }
        score = _table.ScoreAt(slot);
        long rank = _tree.RankOf(score, _table.MemberAt(slot)!);
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
        var copy = new ZSetValue();
        for (var at = _tree.First; at.IsValid; at.MoveNext()) copy.Set(at.Score, at.Member);
        copy.IsSkiplist = IsSkiplist;
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
