namespace HyperCache.StateMachine.Values;

/// <summary>One element of a sorted set: its member bytes (never mutated once stored), its score, and its links.</summary>
public sealed class ZNode
{
    internal struct Level
    {
        public ZNode? Forward;
        /// <summary>How many elements the forward link skips over (1 on level 0): ranks are sums of spans.</summary>
        public long Span;
    }

    internal ZNode(int levels, double score, byte[] member)
    {
        Levels = new Level[levels];
        Score = score;
        Member = member;
    }

    public byte[] Member { get; }
    public double Score { get; internal set; }
    public ZNode? Backward { get; internal set; }
    public ZNode? Next => Levels[0].Forward;
    /// <summary>Fixed for an element; the list's header grows its own as the list gets taller.</summary>
    internal Level[] Levels;
}

/// <summary>
/// Redis's skip list with spans (Pugh's, with duplicate scores ordered by member bytes and a backward link on level 0):
/// insert, delete, rank of an element and element at a rank, first/last element in a score or lex range, all in
/// O(log n) expected. Node levels are random: the shape differs between two lists holding the same elements, the
/// order never does.
/// </summary>
public sealed class SkipList
{
    private const int MaxLevel = 32;
    // Scratch for one operation at a time on this thread (callers hold the shard lock), shared by all lists so a
    // small set does not carry half a kilobyte of it.
    [ThreadStatic] private static ZNode?[]? t_update;
    [ThreadStatic] private static long[]? t_rank;
    private readonly ZNode _header = new(4, 0, []);
    private ZNode? _tail;
    private int _level = 1;
    private ulong _random = (ulong)Random.Shared.NextInt64() | 1;

    public long Count { get; private set; }
    private long _nodeBytes;

    /// <summary>What one node costs: the object (member, score, backward and levels references), its levels
    /// array (16 bytes a level) and its member.</summary>
    public static long NodeBytes(ZNode node)
        => MemorySize.Object(32) + MemorySize.Array(node.Levels.Length, 16) + MemorySize.ByteArray(node.Member.Length);

    /// <summary>The list, its header and every node; O(1).</summary>
    public long Bytes => MemorySize.Object(48) + NodeBytes(_header) + _nodeBytes;
    public ZNode? First => _header.Levels[0].Forward;
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
        Link(node);
        _nodeBytes += NodeBytes(node);
        return node;
    }

    /// <summary>Unlinks the element; false when it is not in the list.</summary>
    public bool Delete(double score, ReadOnlySpan<byte> member)
    {
        var x = FindUpdate(score, member);
        x = x.Levels[0].Forward;
        if (x is null || x.Score != score || !x.Member.AsSpan().SequenceEqual(member)) return false;
        Unlink(x);
        _nodeBytes -= NodeBytes(x);
        return true;
    }

    /// <summary>Moves <paramref name="node"/> (which is in the list) to <paramref name="score"/>; in place when its
    /// position does not change, else unlinked and relinked at the same height.</summary>
    public void UpdateScore(ZNode node, double score)
    {
        if ((node.Backward is null || node.Backward.Score < score) && (node.Next is null || node.Next.Score > score))
        {
            node.Score = score;
            return;
        }
        FindUpdate(node.Score, node.Member);
        Unlink(node);
        node.Score = score;
        for (int i = 0; i < node.Levels.Length; i++) node.Levels[i] = default;
        node.Backward = null;
        Link(node);
    }

    /// <summary>1-based rank of the element, or 0 when it is not in the list.</summary>
    public long RankOf(double score, ReadOnlySpan<byte> member)
    {
        long rank = 0;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } next && Compare(score, member, next) >= 0)
            {
                rank += x.Levels[i].Span;
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
            while (x.Levels[i].Forward is { } next && traversed + x.Levels[i].Span <= rank)
            {
                traversed += x.Levels[i].Span;
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
            while (x.Levels[i].Forward is { } next && !range.AboveMin(next.Score)) x = next;
        var first = x.Levels[0].Forward;
        return first is not null && range.BelowMax(first.Score) ? first : null;
    }

    public ZNode? LastInRange(in ScoreRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Levels[i].Forward is { } next && range.BelowMax(next.Score)) x = next;
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
            while (x.Levels[i].Forward is { } next && !range.AboveMin(next.Member)) x = next;
        var first = x.Levels[0].Forward;
        return first is not null && range.BelowMax(first.Member) ? first : null;
    }

    public ZNode? LastInRange(in LexRange range)
    {
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Levels[i].Forward is { } next && range.BelowMax(next.Member)) x = next;
        return x != _header && range.AboveMin(x.Member) ? x : null;
    }

    /// <summary>Fills the thread's update scratch with, per level, the last node before (score, member); returns the level-0 one.</summary>
    private ZNode FindUpdate(double score, ReadOnlySpan<byte> member)
    {
        var updates = t_update ??= new ZNode?[MaxLevel];
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } next && Before(next, score, member)) x = next;
            updates[i] = x;
        }
        return x;
    }

    private void Link(ZNode node)
    {
        var updates = t_update ??= new ZNode?[MaxLevel];
        var ranks = t_rank ??= new long[MaxLevel];
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            ranks[i] = i == _level - 1 ? 0 : ranks[i + 1];
            while (x.Levels[i].Forward is { } next && Before(next, node.Score, node.Member))
            {
                ranks[i] += x.Levels[i].Span;
                x = next;
            }
            updates[i] = x;
        }
        int level = node.Levels.Length;
        if (level > _header.Levels.Length) Array.Resize(ref _header.Levels, Math.Min(MaxLevel, Math.Max(level, 2 * _header.Levels.Length)));
        if (level > _level)
        {
            for (int i = _level; i < level; i++)
            {
                ranks[i] = 0;
                updates[i] = _header;
                _header.Levels[i].Span = Count;
            }
            _level = level;
        }
        for (int i = 0; i < level; i++)
        {
            var update = updates[i]!;
            node.Levels[i].Forward = update.Levels[i].Forward;
            update.Levels[i].Forward = node;
            node.Levels[i].Span = update.Levels[i].Span - (ranks[0] - ranks[i]);
            update.Levels[i].Span = ranks[0] - ranks[i] + 1;
        }
        for (int i = level; i < _level; i++) updates[i]!.Levels[i].Span++;
        node.Backward = updates[0] == _header ? null : updates[0];
        if (node.Next is { } after) after.Backward = node;
        else _tail = node;
        Count++;
        Array.Clear(updates);
    }

    /// <summary>Unlinks <paramref name="x"/>, using the update scratch as filled by <see cref="FindUpdate"/>.</summary>
    private void Unlink(ZNode x)
    {
        var updates = t_update!;
        for (int i = 0; i < _level; i++)
        {
            var update = updates[i]!;
            if (update.Levels[i].Forward == x)
            {
                update.Levels[i].Span += x.Levels[i].Span - 1;
                update.Levels[i].Forward = x.Levels[i].Forward;
            }
            else
            {
                update.Levels[i].Span--;
            }
        }
        if (x.Next is { } after) after.Backward = x.Backward;
        else _tail = x.Backward;
        while (_level > 1 && _header.Levels[_level - 1].Forward is null) _level--;
        Count--;
        Array.Clear(updates);
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
