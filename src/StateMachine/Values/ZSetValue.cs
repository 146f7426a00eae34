using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>One element as commands return it; member arrays are never mutated, so they outlive the shard lock.</summary>
public readonly record struct ScoredMember(byte[] Member, double Score);

/// <summary>
/// A sorted set: a skip list ordered by (score, member bytes) for ranks and ranges, plus a member table for
/// O(1) score lookups and ZSCAN. One representation whatever the size; <see cref="Encoding"/> only reports the
/// name Redis would use (listpack until the set has held more than 128 members or a member longer than 64 bytes;
/// like Redis, it does not go back when the set shrinks).
/// </summary>
public sealed class ZSetValue : CollectionValue
{
    public const int ListpackMaxEntries = 128;
    public const int ListpackMaxValue = 64;

    private readonly SkipList _list = new();
    private readonly MemberTable _table = new();
    /// <summary>The node the last lookup found: a write checks the member, then its event's Apply sets it, so
    /// Apply finds it again with one compare instead of a second hash lookup. Cleared whenever a node leaves.</summary>
    private ZNode? _lastFound;

    public override string TypeName => "zset";
    public override string Encoding => IsSkiplist ? "skiplist" : "listpack";
    public override long Count => _list.Count;

    /// <summary>Sticky, as Redis's conversion to a skip list is.</summary>
    public bool IsSkiplist { get; private set; }

    public SkipList List => _list;
    public MemberTable Table => _table;

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score)
    {
        var node = Find(member);
        score = node?.Score ?? 0;
        return node is not null;
    }

    public ZNode? Find(ReadOnlySpan<byte> member)
    {
        if (_lastFound is { } last && member.SequenceEqual(last.Member)) return last;
        var node = _table.Find(member);
        if (node is not null) _lastFound = node;
        return node;
    }

    /// <summary>Inserts or moves the member to <paramref name="score"/>; true when it was added.</summary>
    public bool Set(double score, ReadOnlySpan<byte> member)
    {
        score += 0.0; // -0 becomes 0: one zero, as Redis's listpack stores it
        var node = Find(member);
        if (node is not null)
        {
            if (node.Score != score) _list.UpdateScore(node, score);
            return false;
        }
        _table.Add(_list.Insert(score, member.ToArray()));
        if (_list.Count > ListpackMaxEntries || member.Length > ListpackMaxValue) IsSkiplist = true;
        Resized();
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        var node = _table.Remove(member);
        if (node is null) return false;
        _lastFound = null;
        _list.Delete(node.Score, node.Member);
        Resized();
        return true;
    }

    // Fields: the base's size, account and capture mark, the list and table references, the encoding flag.
    protected override long MeasureBytes() => MemorySize.Object(48) + _list.Bytes + _table.Bytes;

    /// <summary>Removes the elements at 0-based ranks start..end (inclusive, already within the set).</summary>
    public void RemoveRankRange(long start, long end)
    {
        _lastFound = null;
        var node = _list.ByRank(start + 1);
        for (long i = start; i <= end && node is not null; i++)
        {
            var next = node.Next;
            _table.Remove(node.Member);
            _list.Delete(node.Score, node.Member);
            node = next;
        }
        Resized();
    }

    /// <summary>0-based rank from the low end (or the high end when <paramref name="reverse"/>), -1 when absent.</summary>
    public long RankOf(ReadOnlySpan<byte> member, bool reverse, out double score)
    {
        var node = Find(member);
        score = node?.Score ?? 0;
        if (node is null) return -1;
        long rank = _list.RankOf(node.Score, node.Member) - 1;
        return reverse ? Count - 1 - rank : rank;
    }

    public override void AppendDigest(XxHash3 hash)
    {
        Span<byte> meta = stackalloc byte[16];
        BitConverter.TryWriteBytes(meta, Count);
        hash.Append(meta[..8]);
        for (var node = _list.First; node is not null; node = node.Next)
        {
            BitConverter.TryWriteBytes(meta, node.Member.Length);
            BitConverter.TryWriteBytes(meta[4..], node.Score);
            hash.Append(meta[..12]);
            hash.Append(node.Member);
        }
    }

    public override CollectionValue Clone()
    {
        var copy = new ZSetValue();
        for (var node = _list.First; node is not null; node = node.Next) copy.Set(node.Score, node.Member);
        copy.IsSkiplist = IsSkiplist;
        return copy;
    }

    /// <summary>ZADD-like events of at most 1024 elements each, in order.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        const int Chunk = 1024;
        var node = _list.First;
        long left = Count;
        while (node is not null)
        {
            int n = (int)Math.Min(Chunk, left);
            var buffer = EventBuffer.Start(SortedSetEvents.Add);
            buffer.WriteArrayHeader(2 + 2 * n);
            buffer.Write(db);
            buffer.Write(key);
            for (int i = 0; i < n; i++, node = node!.Next)
            {
                buffer.Write(BitConverter.DoubleToInt64Bits(node!.Score));
                buffer.Write(node.Member);
            }
            left -= n;
            sink.Emit(buffer);
        }
    }
}
