namespace HyperCache.StateMachine.Values;

/// <summary>The tree's invariants, checked by the unit tests after random operations.</summary>
public sealed partial class ScoreTree
{
    /// <summary>Throws when a rule is broken: counts, separators, order, occupancy, equal depth, the leaf chain.</summary>
    internal void Validate()
    {
        Leaf? previous = null;
        int leafDepth = -1;
        long total = Check(_root, 0, null, null, 0, null, ref previous, ref leafDepth);
        Require(total == _count, "count");
        Require(previous == _last && previous.Next is null, "last leaf");
        Require(_root is Inner || _root == _first, "first leaf");
        Require(_root is not Inner { Count: < 2 }, "root inner with one child");
    }

    private long Check(Node node, int depth, double? lowScore, byte[]? lowMember, double highScore, byte[]? highMember,
        ref Leaf? previous, ref int leafDepth)
    {
        bool root = node == _root;
        if (node is Leaf leaf)
        {
            Require(leafDepth < 0 || leafDepth == depth, "leaves at one depth");
            leafDepth = depth;
            Require(root || leaf.Count >= LeafMinimum, "leaf occupancy");
            Require(leaf.Previous == previous && (previous is null ? leaf == _first : previous.Next == leaf), "leaf chain");
            previous = leaf;
            for (int j = 0; j < leaf.Count; j++)
            {
                if (j > 0) Require(Compare(leaf.Scores[j - 1], leaf.Members[j - 1], leaf.Scores[j], leaf.Members[j]) < 0, "leaf order");
                if (lowScore is { } low) Require(Compare(leaf.Scores[j], leaf.Members[j], low, lowMember) >= 0, "above separator");
                if (highMember is not null) Require(Compare(leaf.Scores[j], leaf.Members[j], highScore, highMember) < 0, "below separator");
            }
            for (int j = leaf.Count; j < leaf.Members.Length; j++) Require(leaf.Members[j] is null, "cleared leaf slot");
            return leaf.Count;
        }
        var inner = (Inner)node;
        Require(root || inner.Count >= InnerMinimum, "inner occupancy");
        long sum = 0;
        for (int i = 0; i < inner.Count; i++)
        {
            double? childLow = i == 0 ? lowScore : inner.Scores[i];
            var childLowMember = i == 0 ? lowMember : inner.Members[i];
            bool last = i == inner.Count - 1;
            long under = Check(inner.Children[i], depth + 1, childLow, childLowMember,
                last ? highScore : inner.Scores[i + 1], last ? highMember : inner.Members[i + 1], ref previous, ref leafDepth);
            Require(under == inner.Counts[i] && under > 0, "child count");
            sum += under;
        }
        for (int i = inner.Count; i < InnerCapacity; i++) Require(inner.Children[i] is null, "cleared child slot");
        return sum;
    }

    private static void Require(bool condition, string rule)
    {
        if (!condition) throw new InvalidOperationException("score tree broken: " + rule);
    }
}
