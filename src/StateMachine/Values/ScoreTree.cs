using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A sorted set's elements in (score, member bytes) order: an order-statistic B+ tree, as Dragonfly keeps its sorted
/// sets. Leaves hold up to <see cref="LeafCapacity"/> elements in parallel arrays (scores compared inline, member
/// bytes read only between equal scores); inner nodes hold separator keys and the element count under each child,
/// so insert, remove, rank of an element and element at a rank are O(log n) with a few nodes per descent (a skip
/// list over 100 k elements hops ~25 scattered nodes, each a cache miss). Removal rebalances, merging nodes left
/// under a quarter full, so memory follows the element count. The member arrays are the caller's, never copied or mutated.
/// Not thread-safe: callers hold the shard lock.
/// </summary>
public sealed partial class ScoreTree
{
    /// <summary>A set's first leaf starts small (most sets are small) and doubles up to a full leaf.</summary>
    private const int FirstLeafCapacity = 4;

    private Node _root;
    private readonly Leaf _first;          // merges keep the left node, so the leftmost leaf is never freed
    private Leaf _last;
    // One freed node of each kind kept for the next split: a boundary that merges and splits again does not
    // allocate each time (a score move is a removal and an insertion).
    private Leaf? _spareLeaf;
    private Inner? _spareInner;
    private byte[]? _removed;              // the member the last removal took out
    private long _count;
    private long _nodeBytes;
    private long _memberBytes;

    public ScoreTree()
    {
        _root = _first = _last = new Leaf(FirstLeafCapacity);
        _nodeBytes = Leaf.SizeOf(FirstLeafCapacity);
    }

    public long Count => _count;

    /// <summary>The tree (its fields), every node (spares included) and every member array; O(1).</summary>
    public long Bytes => MemorySize.Object(72) + _nodeBytes + _memberBytes;

    public ScoreCursor First => new(_first, 0);
    public ScoreCursor Last => _last.Count > 0 ? new(_last, _last.Count - 1) : default;

    /// <summary>Adds an element whose member is not in the tree. The tree keeps <paramref name="member"/>.</summary>
    public void Insert(double score, byte[] member)
    {
        InsertCore(score, member);
        _memberBytes += MemorySize.ByteArray(member.Length);
    }

    /// <summary>Removes the element; false when it is not in the tree.</summary>
    public bool Remove(double score, byte[] member)
    {
        var locator = new KeyLocator(score, member);
        if (RemoveFrom(_root, ref locator) == Outcome.NotFound) return false;
        TakeRemoved();
        return true;
    }

    /// <summary>Gives the element (score, member), which is in the tree, the score <paramref name="newScore"/> (never
    /// NaN, which sorted sets refuse): in place when it keeps its position among its leaf neighbours, else removed
    /// and inserted again.</summary>
    public void Move(double score, byte[] member, double newScore)
    {
        var locator = new KeyLocator(score, member, newScore);
        var outcome = RemoveFrom(_root, ref locator);
        if (outcome == Outcome.NotFound) throw new InvalidOperationException("moved an element the tree does not hold");
        if (outcome == Outcome.MovedInPlace) return;
        CollapseRoot();
        _removed = null;
        _count--;
        InsertCore(newScore, member);
    }

    /// <summary>Removes the element at 0-based <paramref name="index"/> (within the tree) and returns its member.</summary>
    public byte[] RemoveAt(long index)
    {
        if ((ulong)index >= (ulong)_count) throw new ArgumentOutOfRangeException(nameof(index));
        var locator = new RankLocator(index);
        RemoveFrom(_root, ref locator);
        return TakeRemoved();
    }

    /// <summary>0-based rank of the element, or -1 when it is not in the tree.</summary>
    public long RankOf(double score, byte[] member)
    {
        long rank = 0;
        var node = _root;
        while (node is Inner inner)
        {
            int i = ChildFor(inner, score, member);
            rank += Sum(inner.Counts, i);
            node = inner.Children[i];
        }
        var leaf = (Leaf)node;
        int j = LowerBound(leaf, score, member);
        return j < leaf.Count && Compare(score, member, leaf.Scores[j], leaf.Members[j]) == 0 ? rank + j : -1;
    }

    /// <summary>The element at 0-based <paramref name="index"/>; not valid when out of range.</summary>
    public ScoreCursor At(long index)
    {
        if ((ulong)index >= (ulong)_count) return default;
        var node = _root;
        while (node is Inner inner)
        {
            int i = 0;
            while (index >= inner.Counts[i]) index -= inner.Counts[i++];
            node = inner.Children[i];
        }
        return new ScoreCursor((Leaf)node, (int)index);
    }

    /// <summary>The first position in the leaf whose score is at least <paramref name="score"/>.</summary>
    private static int LowerBoundOfScore(Leaf leaf, double score)
    {
        int low = 0, high = leaf.Count;
        var scores = leaf.Scores;
        PrefetchScores(scores, high);
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (scores[middle] < score) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    /// <summary>Asks for every cache line of a node's scores at once: a binary search's probes each depend on the
    /// one before, so their misses would otherwise come one after another.</summary>
    private static void PrefetchScores(double[] scores, int count)
    {
        if (!Sse.IsSupported) return;
        ref double first = ref MemoryMarshal.GetArrayDataReference(scores);
        for (int i = 0; i < count; i += 8) ChainPrefetch.Prefetch(ref Unsafe.Add(ref first, i));
    }

    private static long Sum(long[] counts, int end)
    {
        long sum = 0;
        foreach (long count in counts.AsSpan(0, end)) sum += count;
        return sum;
    }

    /// <summary>The child of <paramref name="inner"/> whose range holds the key: the last one whose separator is
    /// at most the key (child 0 when none is).</summary>
    private static int ChildFor(Inner inner, double score, byte[] member)
    {
        int low = 1, high = inner.Count;
        var scores = inner.Scores;
        PrefetchScores(scores, high);
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            double separator = scores[middle];
            bool atMost = separator < score || (separator == score && Compare(score, member, separator, inner.Members[middle]) >= 0);
            if (atMost) low = middle + 1;
            else high = middle;
        }
        return low - 1;
    }

    /// <summary>The first position in the leaf whose element is at least the key.</summary>
    private static int LowerBound(Leaf leaf, double score, byte[] member)
    {
        int low = 0, high = leaf.Count;
        var scores = leaf.Scores;
        PrefetchScores(scores, high);
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            double at = scores[middle];
            bool below = at < score || (at == score && Compare(score, member, at, leaf.Members[middle]) > 0);
            if (below) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}
