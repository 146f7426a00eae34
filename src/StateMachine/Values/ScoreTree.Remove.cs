namespace HyperCache.StateMachine.Values;

/// <summary>Removal: down to the element (by key or by rank), then on the way back up a node left under its
/// minimum takes entries from a sibling or merges with it; a root left with one child gives way to it.</summary>
public sealed partial class ScoreTree
{
    private enum Outcome : byte { NotFound, Removed, MovedInPlace }

    /// <summary>How a removal finds its element: which child at each inner node, which position in the leaf.</summary>
    private interface ILocator
    {
        int Child(Inner inner);
        /// <summary>The element's position, or -1 when it is not there.</summary>
        int Index(Leaf leaf);
        /// <summary>For a move: gives the element its new score where it is, when that keeps the order.</summary>
        bool MoveInPlace(Leaf leaf, int index);
    }

    private readonly struct KeyLocator(double score, byte[] member, double newScore = double.NaN) : ILocator
    {
        public int Child(Inner inner) => ChildFor(inner, score, member);

        public int Index(Leaf leaf)
        {
            // The caller's member is usually the array the leaf holds: look for it among the equal scores by
            // reference, without reading other members' bytes (each a cache miss).
            var scores = leaf.Scores;
            for (int k = LowerBoundOfScore(leaf, score); k < leaf.Count && scores[k] == score; k++)
                if (ReferenceEquals(leaf.Members[k], member)) return k;
            int j = LowerBound(leaf, score, member);
            return j < leaf.Count && Compare(score, member, leaf.Scores[j], leaf.Members[j]) == 0 ? j : -1;
        }

        public bool MoveInPlace(Leaf leaf, int index)
        {
            if (double.IsNaN(newScore)) return false;
            // Between its leaf neighbours, or past its own score away from a leaf edge: then it is still above
            // the separator before the leaf and below the one after it.
            bool aboveLower = index > 0 ? Compare(newScore, member, leaf.Scores[index - 1], leaf.Members[index - 1]) > 0 : newScore >= score;
            bool belowUpper = index < leaf.Count - 1 ? Compare(newScore, member, leaf.Scores[index + 1], leaf.Members[index + 1]) < 0 : newScore <= score;
            if (!aboveLower || !belowUpper) return false;
            leaf.Scores[index] = newScore;
            return true;
        }
    }

    private struct RankLocator(long index) : ILocator
    {
        private long _index = index;

        public int Child(Inner inner)
        {
            int i = 0;
            while (_index >= inner.Counts[i]) _index -= inner.Counts[i++];
            return i;
        }

        public readonly int Index(Leaf leaf) => (int)_index;
        public readonly bool MoveInPlace(Leaf leaf, int index) => false;
    }

    private Outcome RemoveFrom<T>(Node node, ref T locator) where T : struct, ILocator
    {
        if (node is Leaf leaf)
        {
            int j = locator.Index(leaf);
            if (j < 0) return Outcome.NotFound;
            if (locator.MoveInPlace(leaf, j)) return Outcome.MovedInPlace;
            _removed = leaf.Members[j];
            int after = leaf.Count - j - 1;
            if (after > 0)
            {
                Array.Copy(leaf.Scores, j + 1, leaf.Scores, j, after);
                Array.Copy(leaf.Members, j + 1, leaf.Members, j, after);
            }
            leaf.Members[--leaf.Count] = null!;
            return Outcome.Removed;
        }
        var inner = (Inner)node;
        int i = locator.Child(inner);
        var child = inner.Children[i];
        var outcome = RemoveFrom(child, ref locator);
        if (outcome == Outcome.Removed)
        {
            inner.Counts[i]--;
            if (child.Count < (child is Leaf ? LeafMinimum : InnerMinimum)) Rebalance(inner, i);
        }
        return outcome;
    }

    /// <summary>After a removal: counts, member bytes, the root; returns the member removed.</summary>
    private byte[] TakeRemoved()
    {
        var member = _removed!;
        _removed = null;
        _count--;
        _memberBytes -= MemorySize.ByteArray(member.Length);
        CollapseRoot();
        return member;
    }

    private void CollapseRoot()
    {
        while (_root is Inner { Count: 1 } root)
        {
            _root = root.Children[0];
            FreeInner(root);
            if (_root is Leaf) DropSpares(); // a set back to one leaf is a small set: keep nothing for splits
        }
    }

    private void DropSpares()
    {
        if (_spareLeaf is not null) _nodeBytes -= _spareLeaf.Bytes;
        if (_spareInner is not null) _nodeBytes -= Inner.Bytes;
        _spareLeaf = null;
        _spareInner = null;
    }

    /// <summary>Child <paramref name="i"/> of <paramref name="parent"/> is under its minimum: merge it with a
    /// neighbour when both fit in three quarters of a node, else even the two out.</summary>
    private void Rebalance(Inner parent, int i)
    {
        int left = i > 0 ? i - 1 : i, right = left + 1;
        if (parent.Children[left] is Leaf leftLeaf) RebalanceLeaves(parent, left, leftLeaf, (Leaf)parent.Children[right]);
        else RebalanceInners(parent, left, (Inner)parent.Children[left], (Inner)parent.Children[right]);
    }

    private void RebalanceLeaves(Inner parent, int left, Leaf l, Leaf r)
    {
        int total = l.Count + r.Count, right = left + 1;
        if (total <= LeafMergeLimit)
        {
            Array.Copy(r.Scores, 0, l.Scores, l.Count, r.Count);
            Array.Copy(r.Members, 0, l.Members, l.Count, r.Count);
            l.Count = total;
            l.Next = r.Next;
            if (r.Next is { } after) after.Previous = l;
            else _last = l;
            parent.Counts[left] = total;
            RemoveEntry(parent, right);
            FreeLeaf(r);
            return;
        }
        int keep = total / 2;
        if (l.Count < keep)
        {
            int k = keep - l.Count;   // r's first k go to the end of l
            Array.Copy(r.Scores, 0, l.Scores, l.Count, k);
            Array.Copy(r.Members, 0, l.Members, l.Count, k);
            Array.Copy(r.Scores, k, r.Scores, 0, r.Count - k);
            Array.Copy(r.Members, k, r.Members, 0, r.Count - k);
            Array.Clear(r.Members, r.Count - k, k);
        }
        else
        {
            int k = l.Count - keep;   // l's last k go to the front of r
            Array.Copy(r.Scores, 0, r.Scores, k, r.Count);
            Array.Copy(r.Members, 0, r.Members, k, r.Count);
            Array.Copy(l.Scores, keep, r.Scores, 0, k);
            Array.Copy(l.Members, keep, r.Members, 0, k);
            Array.Clear(l.Members, keep, k);
        }
        l.Count = keep;
        r.Count = total - keep;
        parent.Counts[left] = l.Count;
        parent.Counts[right] = r.Count;
        parent.Scores[right] = r.Scores[0];
        parent.Members[right] = r.Members[0];
    }

    private void RebalanceInners(Inner parent, int left, Inner l, Inner r)
    {
        int total = l.Count + r.Count, right = left + 1;
        // Laid end to end, r's first child needs a separator: the parent's, which is between the two.
        r.Scores[0] = parent.Scores[right];
        r.Members[0] = parent.Members[right];
        if (total <= InnerMergeLimit)
        {
            CopyEntries(r, 0, l, l.Count, r.Count);
            l.Count = total;
            parent.Counts[left] += parent.Counts[right];
            RemoveEntry(parent, right);
            FreeInner(r);
            return;
        }
        int keep = total / 2;
        long moved;   // elements that go from r to l (negative: from l to r)
        if (l.Count < keep)
        {
            int k = keep - l.Count;
            moved = Sum(r.Counts, k);
            CopyEntries(r, 0, l, l.Count, k);
            CopyEntries(r, k, r, 0, r.Count - k);
            Array.Clear(r.Members, r.Count - k, k);
            Array.Clear(r.Children, r.Count - k, k);
        }
        else
        {
            int k = l.Count - keep;
            moved = Sum(l.Counts, keep) - Sum(l.Counts, l.Count);
            CopyEntries(r, 0, r, k, r.Count);
            CopyEntries(l, keep, r, 0, k);
            Array.Clear(l.Members, keep, k);
            Array.Clear(l.Children, keep, k);
        }
        l.Count = keep;
        r.Count = total - keep;
        parent.Counts[left] += moved;
        parent.Counts[right] -= moved;
        parent.Scores[right] = r.Scores[0];
        parent.Members[right] = r.Members[0];
        r.Members[0] = null;
    }

    private static void CopyEntries(Inner from, int fromIndex, Inner to, int toIndex, int length)
    {
        Array.Copy(from.Scores, fromIndex, to.Scores, toIndex, length);
        Array.Copy(from.Members, fromIndex, to.Members, toIndex, length);
        Array.Copy(from.Children, fromIndex, to.Children, toIndex, length);
        Array.Copy(from.Counts, fromIndex, to.Counts, toIndex, length);
    }

    private static void RemoveEntry(Inner inner, int p)
    {
        int after = inner.Count - p - 1;
        if (after > 0) CopyEntries(inner, p + 1, inner, p, after);
        inner.Count--;
        inner.Members[inner.Count] = null;
        inner.Children[inner.Count] = null!;
    }

    private void FreeLeaf(Leaf leaf)
    {
        Array.Clear(leaf.Members);
        leaf.Count = 0;
        leaf.Next = leaf.Previous = null;
        if (_spareLeaf is null) _spareLeaf = leaf;
        else _nodeBytes -= leaf.Bytes;
    }

    private void FreeInner(Inner inner)
    {
        Array.Clear(inner.Members);
        Array.Clear(inner.Children);
        inner.Count = 0;
        if (_spareInner is null) _spareInner = inner;
        else _nodeBytes -= Inner.Bytes;
    }
}
