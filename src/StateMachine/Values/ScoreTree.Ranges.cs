namespace HyperCache.StateMachine.Values;

/// <summary>Score and lex ranges: one descent to the first element where a bound is reached, counting the
/// elements before it on the way, so a range's ends and their ranks cost one descent each.</summary>
public sealed partial class ScoreTree
{
    /// <summary>The position of the first element where <paramref name="bound"/> is reached (possibly one past
    /// its leaf's end), and <paramref name="rank"/>, how many elements come before it.</summary>
    private Leaf Seek<T>(T bound, out int index, out long rank) where T : struct, IRangeBound, allows ref struct
    {
        rank = 0;
        var node = _root;
        while (node is Inner inner)
        {
            // The last child whose separator has not reached the bound: the first element that does is in it,
            // or is the first one after it.
            int low = 1, high = inner.Count;
            while (low < high)
            {
                int middle = (low + high) >>> 1;
                if (bound.Reached(inner.Scores[middle], inner.Members[middle]!)) high = middle;
                else low = middle + 1;
            }
            rank += Sum(inner.Counts, low - 1);
            node = inner.Children[low - 1];
        }
        var leaf = (Leaf)node;
        int first = 0, last = leaf.Count;
        while (first < last)
        {
            int middle = (first + last) >>> 1;
            if (bound.Reached(leaf.Scores[middle], leaf.Members[middle])) last = middle;
            else first = middle + 1;
        }
        index = first;
        rank += first;
        return leaf;
    }

    /// <summary>The element before a position.</summary>
    private static ScoreCursor Before(Leaf leaf, int index)
    {
        if (index > 0) return new ScoreCursor(leaf, index - 1);
        return leaf.Previous is { } previous ? new ScoreCursor(previous, previous.Count - 1) : default;
    }

    public ScoreCursor FirstInRange(in ScoreRange range)
    {
        var at = new ScoreCursor(Seek(new ScoreFrom(range), out int index, out _), index);
        return at.IsValid && range.BelowMax(at.Score) ? at : default;
    }

    public ScoreCursor LastInRange(in ScoreRange range)
    {
        var at = Before(Seek(new ScoreAfter(range), out int index, out _), index);
        return at.IsValid && range.AboveMin(at.Score) ? at : default;
    }

    /// <summary>The 0-based ranks of the first and last elements whose scores are in range; false when none is
    /// (ZCOUNT counts them, ZREMRANGEBYSCORE removes them).</summary>
    public bool RanksInRange(in ScoreRange range, out long first, out long last)
    {
        Seek(new ScoreFrom(range), out _, out first);
        Seek(new ScoreAfter(range), out _, out long end);
        last = end - 1;
        return end > first;
    }

    public ScoreCursor FirstInRange(in LexRange range)
    {
        var at = new ScoreCursor(Seek(new LexFrom(range), out int index, out _), index);
        return at.IsValid && range.BelowMax(at.Member) ? at : default;
    }

    public ScoreCursor LastInRange(in LexRange range)
    {
        var at = Before(Seek(new LexAfter(range), out int index, out _), index);
        return at.IsValid && range.AboveMin(at.Member) ? at : default;
    }

    /// <summary>The 0-based rank where a lex range starts (the first member at or above its minimum).</summary>
    public long LexStart(in LexRange range)
    {
        Seek(new LexFrom(range), out _, out long rank);
        return rank;
    }

    /// <summary>The 0-based rank just past the members at or below a lex range's maximum.</summary>
    public long LexEnd(in LexRange range)
    {
        Seek(new LexAfter(range), out _, out long rank);
        return rank;
    }
}
