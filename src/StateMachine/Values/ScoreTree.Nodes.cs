namespace HyperCache.StateMachine.Values;

public sealed partial class ScoreTree
{
    /// <summary>Entries per leaf and children per inner node. 64: a leaf's scores are 8 cache lines (prefetched
    /// together, then searched in 6 probes); a 100 k-member set is ~2 k leaves under a root and one inner level.
    /// 32 and 128 measured the same CPU per ZADD (docs/performance.md, "Sorted sets: B+ tree").</summary>
    internal const int LeafCapacity = 64;
    internal const int InnerCapacity = 64;

    /// <summary>A node under this many entries takes some from a sibling or merges with it. A quarter, not half: a
    /// node just split (half full) needs many removals before it rebalances, so churn at a boundary does not split
    /// and merge the same node back and forth.</summary>
    internal const int LeafMinimum = LeafCapacity / 4;
    internal const int InnerMinimum = InnerCapacity / 4;

    /// <summary>Two siblings merge when their entries fill at most this much of one node; else they share them
    /// evenly (so a merged node has room before it splits again).</summary>
    private const int LeafMergeLimit = LeafCapacity * 3 / 4;
    private const int InnerMergeLimit = InnerCapacity * 3 / 4;

    internal abstract class Node
    {
        /// <summary>Entries: a leaf's elements, an inner node's children.</summary>
        public int Count;
    }

    /// <summary>Elements in (score, member bytes) order: parallel arrays, so a search compares scores read straight
    /// from one array and reads member bytes only between equal scores. Leaves are chained both ways for cursors.</summary>
    internal sealed class Leaf(int capacity) : Node
    {
        public double[] Scores = new double[capacity];
        public byte[][] Members = new byte[capacity][];
        public Leaf? Next;
        public Leaf? Previous;

        /// <summary>Fields (4 references, the count and padding) and both arrays.</summary>
        public long Bytes => SizeOf(Scores.Length);

        public static long SizeOf(int capacity)
            => MemorySize.Object(40) + MemorySize.Array(capacity, 8) + MemorySize.Array(capacity, MemorySize.Reference);
    }

    /// <summary>
    /// Children with the number of elements under each (ranks are sums of them) and separator keys: for i >= 1,
    /// (Scores[i], Members[i]) is above every element of children before i and at most every element of child i
    /// and after. Slot 0 holds no separator. A separator may be the key of an element since removed: it still
    /// separates.
    /// </summary>
    internal sealed class Inner : Node
    {
        public readonly double[] Scores = new double[InnerCapacity];
        public readonly byte[]?[] Members = new byte[]?[InnerCapacity];
        public readonly Node[] Children = new Node[InnerCapacity];
        public readonly long[] Counts = new long[InnerCapacity];

        public static long Bytes => MemorySize.Object(40) + MemorySize.Array(InnerCapacity, 8) * 4;

        /// <summary>Elements under this node.</summary>
        public long Total()
        {
            long total = 0;
            foreach (long count in Counts.AsSpan(0, Count)) total += count;
            return total;
        }
    }

    private static long TotalOf(Node node) => node is Inner inner ? inner.Total() : node.Count;

    /// <summary>The sorted-set order: by score, then by member bytes (memcmp, shorter first on a common prefix).</summary>
    internal static int Compare(double score, byte[] member, double otherScore, byte[]? otherMember)
    {
        if (score < otherScore) return -1;
        if (score > otherScore) return 1;
        return ReferenceEquals(member, otherMember) ? 0 : member.AsSpan().SequenceCompareTo(otherMember);
    }
}
