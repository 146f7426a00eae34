namespace HyperCache.StateMachine.Values;

/// <summary>Insertion: down to the key's leaf, splitting full nodes on the way back up.</summary>
public sealed partial class ScoreTree
{
    private void InsertCore(double score, byte[] member)
    {
        if (_root is Leaf only && only.Count == only.Scores.Length && only.Count < LeafCapacity) GrowFirstLeaf(only);
        var right = InsertInto(_root, score, member, rightEdge: true, out double separatorScore, out byte[]? separatorMember);
        if (right is not null)
        {
            // The root split: a new root over the two halves.
            var root = NewInner();
            root.Children[0] = _root;
            root.Counts[0] = TotalOf(_root);
            root.Children[1] = right;
            root.Counts[1] = TotalOf(right);
            root.Scores[1] = separatorScore;
            root.Members[1] = separatorMember;
            root.Count = 2;
            _root = root;
        }
        _count++;
    }

    /// <summary>Inserts under <paramref name="node"/>; when the node had to split, returns its new right sibling
    /// and the separator that goes before it in the parent. <paramref name="rightEdge"/>: the node is the last
    /// of its level, where a sorted load appends.</summary>
    private Node? InsertInto(Node node, double score, byte[] member, bool rightEdge, out double separatorScore, out byte[]? separatorMember)
    {
        if (node is Leaf leaf) return InsertIntoLeaf(leaf, score, member, out separatorScore, out separatorMember);
        var inner = (Inner)node;
        int i = ChildFor(inner, score, member);
        var child = inner.Children[i];
        var split = InsertInto(child, score, member, rightEdge && i == inner.Count - 1, out double childScore, out var childMember);
        if (split is null)
        {
            inner.Counts[i]++;
            separatorScore = 0;
            separatorMember = null;
            return null;
        }
        inner.Counts[i] = TotalOf(child);
        return InsertChild(inner, i + 1, childScore, childMember!, split, TotalOf(split), rightEdge, out separatorScore, out separatorMember);
    }

    private Leaf? InsertIntoLeaf(Leaf leaf, double score, byte[] member, out double separatorScore, out byte[]? separatorMember)
    {
        int j = LowerBound(leaf, score, member);
        if (leaf.Count < leaf.Scores.Length)
        {
            InsertAt(leaf, j, score, member);
            separatorScore = 0;
            separatorMember = null;
            return null;
        }
        // Full: split in halves, or, when appending to the last leaf (a sorted load: Clone, rebuilds), keep this
        // one full and start the next, so loaded sets have full leaves.
        int keep = j == LeafCapacity && leaf.Next is null ? LeafCapacity : LeafCapacity / 2;
        var right = NewLeaf();
        int moved = leaf.Count - keep;
        Array.Copy(leaf.Scores, keep, right.Scores, 0, moved);
        Array.Copy(leaf.Members, keep, right.Members, 0, moved);
        Array.Clear(leaf.Members, keep, moved);
        right.Count = moved;
        leaf.Count = keep;
        right.Next = leaf.Next;
        right.Previous = leaf;
        if (leaf.Next is { } after) after.Previous = right;
        else _last = right;
        leaf.Next = right;
        if (j <= keep && keep < LeafCapacity) InsertAt(leaf, j, score, member);
        else InsertAt(right, j - keep, score, member);
        separatorScore = right.Scores[0];
        separatorMember = right.Members[0];
        return right;
    }

    private static void InsertAt(Leaf leaf, int j, double score, byte[] member)
    {
        int after = leaf.Count - j;
        if (after > 0)
        {
            Array.Copy(leaf.Scores, j, leaf.Scores, j + 1, after);
            Array.Copy(leaf.Members, j, leaf.Members, j + 1, after);
        }
        leaf.Scores[j] = score;
        leaf.Members[j] = member;
        leaf.Count++;
    }

    /// <summary>Puts a child (a split's right half) at position <paramref name="p"/>, splitting the node when it
    /// is full; returns the new right sibling then, with the separator to push up.</summary>
    private Inner? InsertChild(Inner inner, int p, double score, byte[] member, Node child, long count, bool rightEdge,
        out double separatorScore, out byte[]? separatorMember)
    {
        separatorScore = 0;
        separatorMember = null;
        if (inner.Count < InnerCapacity)
        {
            InsertEntry(inner, p, score, member, child, count);
            return null;
        }
        var right = NewInner();
        if (rightEdge && p == InnerCapacity)
        {
            // Appending at the right edge: keep this node full, the new child starts the next one.
            right.Children[0] = child;
            right.Counts[0] = count;
            right.Count = 1;
            separatorScore = score;
            separatorMember = member;
            return right;
        }
        int keep = InnerCapacity / 2, moved = InnerCapacity - keep;
        Array.Copy(inner.Scores, keep, right.Scores, 0, moved);
        Array.Copy(inner.Members, keep, right.Members, 0, moved);
        Array.Copy(inner.Children, keep, right.Children, 0, moved);
        Array.Copy(inner.Counts, keep, right.Counts, 0, moved);
        Array.Clear(inner.Members, keep, moved);
        Array.Clear(inner.Children, keep, moved);
        right.Count = moved;
        inner.Count = keep;
        // The first moved child's separator goes up; in the right node, slot 0 holds none.
        separatorScore = right.Scores[0];
        separatorMember = right.Members[0];
        right.Members[0] = null;
        if (p <= keep) InsertEntry(inner, p, score, member, child, count);
        else InsertEntry(right, p - keep, score, member, child, count);
        return right;
    }

    private static void InsertEntry(Inner inner, int p, double score, byte[] member, Node child, long count)
    {
        int after = inner.Count - p;
        if (after > 0)
        {
            Array.Copy(inner.Scores, p, inner.Scores, p + 1, after);
            Array.Copy(inner.Members, p, inner.Members, p + 1, after);
            Array.Copy(inner.Children, p, inner.Children, p + 1, after);
            Array.Copy(inner.Counts, p, inner.Counts, p + 1, after);
        }
        inner.Scores[p] = score;
        inner.Members[p] = member;
        inner.Children[p] = child;
        inner.Counts[p] = count;
        inner.Count++;
    }

    private void GrowFirstLeaf(Leaf leaf)
    {
        int capacity = Math.Min(LeafCapacity, leaf.Scores.Length * 2);
        _nodeBytes += Leaf.SizeOf(capacity) - leaf.Bytes;
        Array.Resize(ref leaf.Scores, capacity);
        Array.Resize(ref leaf.Members, capacity);
    }

    private Leaf NewLeaf()
    {
        if (_spareLeaf is { } spare)
        {
            _spareLeaf = null;
            return spare;
        }
        _nodeBytes += Leaf.SizeOf(LeafCapacity);
        return new Leaf(LeafCapacity);
    }

    private Inner NewInner()
    {
        if (_spareInner is { } spare)
        {
            _spareInner = null;
            return spare;
        }
        _nodeBytes += Inner.Bytes;
        return new Inner();
    }
}
