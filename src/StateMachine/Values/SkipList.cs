using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// Redis's skip list with spans (Pugh's, with duplicate scores ordered by member bytes and a backward link on level 0):
/// insert, delete, rank of an element and element at a rank, first/last element in a score or lex range, all in
/// O(log n) expected. Node levels are random: the shape differs between two lists holding the same elements, the
/// order never does.
/// </summary>
public sealed class SkipList
{
    private const int MaxLevel = 32;

    /// <summary>Where a position is: per level, the last node before it and that node's rank (0 for the header).</summary>
    private sealed class Path
    {
        public readonly ZNode?[] Nodes = new ZNode?[MaxLevel];
        public readonly long[] Ranks = new long[MaxLevel];
    }

    // Scratch for one operation at a time on this thread (callers hold the shard lock), shared by all lists so a
    // small set does not carry a kilobyte of it. A move needs two: where the element is and where it goes.
    [ThreadStatic] private static Path? t_path;
    [ThreadStatic] private static Path? t_target;
    private readonly ZNode _header = new(4, 0, []);
    private ZNode? _tail;
    private int _level = 1;
    private ulong _random = (ulong)Random.Shared.NextInt64() | 1;

    public long Count { get; private set; }
    private long _nodeBytes;

    /// <summary>What one node costs: the node with its levels, and its member.</summary>
    public static long NodeBytes(ZNode node) => node.Bytes + MemorySize.ByteArray(node.Member.Length);

    /// <summary>The list, its header and every node; O(1).</summary>
    public long Bytes => MemorySize.Object(48) + NodeBytes(_header) + _nodeBytes;
    public ZNode? First => _header[0].Forward;
    public ZNode? Last => _tail;

    /// <summary>The sorted-set order: by score, then by member bytes (memcmp, shorter first on a common prefix).</summary>
    public static int Compare(double score, ReadOnlySpan<byte> member, ZNode node)
    {
        if (score < node.Score) return -1;
        if (score > node.Score) return 1;
        return member.SequenceCompareTo(node.Member);
    }

    private static bool Before(ZNode node, double score, ReadOnlySpan<byte> member)
        => node.Score < score || (node.Score == score && node.Member.AsSpan().SequenceCompareTo(member) < 0);

    public ZNode Insert(double score, byte[] member)
    {
        var node = new ZNode(RandomLevel(), score, member);
        var path = t_path ??= new Path();
        Find(path, score, member);
        Link(node, path);
        _nodeBytes += NodeBytes(node);
        return node;
    }

    /// <summary>Unlinks the element; false when it is not in the list.</summary>
    public bool Delete(double score, ReadOnlySpan<byte> member)
    {
        var path = t_path ??= new Path();
        Find(path, score, member);
        var x = path.Nodes[0]![0].Forward;
        if (x is null || x.Score != score || !x.Member.AsSpan().SequenceEqual(member))
        {
            Array.Clear(path.Nodes);
            return false;
        }
        Unlink(x, path);
        _nodeBytes -= NodeBytes(x);
        return true;
    }

    /// <summary>Moves <paramref name="node"/> (which is in the list) to <paramref name="score"/>: in place when its
    /// position does not change, else unlinked and relinked at the same height.</summary>
    public void UpdateScore(ZNode node, double score)
    {
        if ((node.Backward is null || node.Backward.Score < score) && (node.Next is null || node.Next.Score > score))
        {
            node.Score = score;
            return;
        }
        var from = t_path ??= new Path();
        var to = t_target ??= new Path();
        FindBoth(from, node.Score, to, score, node.Member);
        // "to" was found with the node still in the list; as the list will be once it is out: a level whose last
        // node before the target is the node itself takes the node's own predecessor there, and ranks after the
        // node drop by one.
        long rank = from.Ranks[0] + 1;
        for (int i = 0; i < _level; i++)
        {
            if (to.Nodes[i] == node)
            {
                to.Nodes[i] = from.Nodes[i];
                to.Ranks[i] = from.Ranks[i];
            }
            else if (to.Ranks[i] > rank)
            {
                to.Ranks[i]--;
            }
        }
        Unlink(node, from);
        node.Score = score;
        node.ClearLinks();
        Link(node, to);
    }

    /// <summary>1-based rank of the element, or 0 when it is not in the list.</summary>
    public long RankOf(double score, ReadOnlySpan<byte> member)
    {
        long rank = 0;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x[i].Forward is { } next && Compare(score, member, next) >= 0)
            {
                rank += x[i].Span;
                x = next;
            }
            if (x != _header && x.Score == score && x.Member.AsSpan().SequenceEqual(member)) return rank;
        }
        return 0;
    }

    /// <summary>The element at a 1-based rank, or null when out of range.</summary>
    public ZNode? ByRank(long rank)
    {
        if (rank < 1 || rank > Count) return null;
        long traversed = 0;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x[i].Forward is { } next && traversed + x[i].Span <= rank)
            {
                traversed += x[i].Span;
                x = next;
            }
            if (traversed == rank) return x;
        }
        return null;
    }

    public ZNode? FirstInRange(in ScoreRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x[i].Forward is { } next && !range.AboveMin(next.Score)) x = next;
        var first = x[0].Forward;
        return first is not null && range.BelowMax(first.Score) ? first : null;
    }

    public ZNode? LastInRange(in ScoreRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x[i].Forward is { } next && range.BelowMax(next.Score)) x = next;
        return x != _header && range.AboveMin(x.Score) ? x : null;
    }

    /// <summary>The 1-based ranks of the first and last elements whose scores are in range; false when none is
    /// (ZCOUNT counts them, ZREMRANGEBYSCORE removes them).</summary>
    public bool RanksInRange(in ScoreRange range, out long first, out long last)
    {
        first = last = 0;
        if (FirstInRange(range) is not { } low) return false;
        var high = LastInRange(range)!;
        first = RankOf(low.Score, low.Member);
        last = RankOf(high.Score, high.Member);
        return true;
    }

    public ZNode? FirstInRange(in LexRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x[i].Forward is { } next && !range.AboveMin(next.Member)) x = next;
        var first = x[0].Forward;
        return first is not null && range.BelowMax(first.Member) ? first : null;
    }

    public ZNode? LastInRange(in LexRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x[i].Forward is { } next && range.BelowMax(next.Member)) x = next;
        return x != _header && range.AboveMin(x.Member) ? x : null;
    }

    /// <summary>Fills <paramref name="path"/> with the way to (score, member): the place it has, or would have.</summary>
    private void Find(Path path, double score, ReadOnlySpan<byte> member)
    {
        var x = _header;
        long rank = 0;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x[i].Forward is { } next && Before(next, score, member))
            {
                rank += x[i].Span;
                x = next;
                if (i > 0) PrefetchForward(x, i - 1);
            }
            path.Nodes[i] = x;
            path.Ranks[i] = rank;
        }
    }

    /// <summary>
    /// <see cref="Find"/> for two positions of one member in a single descent, a hop on each side per step: the two
    /// chains of dependent loads are independent of each other, so the CPU waits for their cache misses together.
    /// </summary>
    private void FindBoth(Path first, double firstScore, Path second, double secondScore, ReadOnlySpan<byte> member)
    {
        ZNode a = _header, b = _header;
        long rankA = 0, rankB = 0;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (true)
            {
                var nextA = a[i].Forward;
                var nextB = b[i].Forward;
                bool advanceA = nextA is not null && Before(nextA, firstScore, member);
                bool advanceB = nextB is not null && Before(nextB, secondScore, member);
                if (advanceA)
                {
                    rankA += a[i].Span;
                    a = nextA!;
                    if (i > 0) PrefetchForward(a, i - 1);
                }
                if (advanceB)
                {
                    rankB += b[i].Span;
                    b = nextB!;
                    if (i > 0) PrefetchForward(b, i - 1);
                }
                if (!advanceA && !advanceB) break;
            }
            first.Nodes[i] = a;
            first.Ranks[i] = rankA;
            second.Nodes[i] = b;
            second.Ranks[i] = rankB;
        }
    }

    /// <summary>Asks for the node a level-<paramref name="level"/> link leads to, the next to read when the
    /// descent goes down a level from <paramref name="x"/>: its miss then overlaps the current level's.</summary>
    private static unsafe void PrefetchForward(ZNode x, int level)
    {
        // The reference read as an address, never dereferenced: a prefetch of a null or moved one is only useless.
        var target = x[level].Forward;
        if (Sse.IsSupported) Sse.Prefetch0((void*)Unsafe.As<ZNode?, nint>(ref target));
    }

    /// <summary>Links <paramref name="node"/> (unlinked, links empty) at the place <paramref name="path"/> leads to.</summary>
    private void Link(ZNode node, Path path)
    {
        var updates = path.Nodes;
        var ranks = path.Ranks;
        int level = node.Height;
        if (level > _header.Height) _header.Grow(Math.Min(MaxLevel, Math.Max(level, 2 * _header.Height)));
        if (level > _level)
        {
            for (int i = _level; i < level; i++)
            {
                ranks[i] = 0;
                updates[i] = _header;
                _header[i].Span = Count;
            }
            _level = level;
        }
        for (int i = 0; i < level; i++)
        {
            var update = updates[i]!;
            node[i].Forward = update[i].Forward;
            update[i].Forward = node;
            node[i].Span = update[i].Span - (ranks[0] - ranks[i]);
            update[i].Span = ranks[0] - ranks[i] + 1;
        }
        for (int i = level; i < _level; i++) updates[i]![i].Span++;
        node.Backward = updates[0] == _header ? null : updates[0];
        if (node.Next is { } after) after.Backward = node;
        else _tail = node;
        Count++;
        Array.Clear(updates); // the scratch outlives the operation: hold no nodes
    }

    /// <summary>Unlinks <paramref name="x"/>, found at the end of <paramref name="path"/>.</summary>
    private void Unlink(ZNode x, Path path)
    {
        var updates = path.Nodes;
        int levels = _level;
        for (int i = 0; i < levels; i++)
        {
            var update = updates[i]!;
            if (update[i].Forward == x)
            {
                update[i].Span += x[i].Span - 1;
                update[i].Forward = x[i].Forward;
            }
            else
            {
                update[i].Span--;
            }
        }
        if (x.Next is { } after) after.Backward = x.Backward;
        else _tail = x.Backward;
        while (_level > 1 && _header[_level - 1].Forward is null) _level--;
        Count--;
        Array.Clear(updates, 0, levels);
    }

    /// <summary>1 with probability 3/4, 2 with 3/16, ... (p = 1/4 as in Redis), at most 32.</summary>
    private int RandomLevel()
    {
        _random ^= _random << 13;
        _random ^= _random >> 7;
        _random ^= _random << 17;
        int level = 1 + System.Numerics.BitOperations.TrailingZeroCount(_random | (1UL << 62)) / 2;
        return Math.Min(level, MaxLevel);
    }
}
