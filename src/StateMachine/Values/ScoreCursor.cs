namespace HyperCache.StateMachine.Values;

/// <summary>
/// A position in a <see cref="ScoreTree"/>: a leaf and an index in it, stepping across the leaf chain. Valid
/// until the tree changes (callers hold the shard lock while they walk). The default cursor is past either end.
/// </summary>
public struct ScoreCursor
{
    private ScoreTree.Leaf? _leaf;
    private int _index;

    internal ScoreCursor(ScoreTree.Leaf leaf, int index)
    {
        // One past a leaf's end is the next leaf's start (only the root leaf is ever empty).
        if (index >= leaf.Count)
        {
            _leaf = leaf.Next;
            _index = 0;
            return;
        }
        _leaf = leaf;
        _index = index;
    }

    public readonly bool IsValid => _leaf is not null;
    public readonly double Score => _leaf!.Scores[_index];
    public readonly byte[] Member => _leaf!.Members[_index];

    /// <summary>Steps to the next element in order; false (and no longer valid) past the last.</summary>
    public bool MoveNext()
    {
        if (++_index >= _leaf!.Count)
        {
            _leaf = _leaf.Next;
            _index = 0;
        }
        return _leaf is not null;
    }

    /// <summary>Steps to the previous element; false (and no longer valid) before the first.</summary>
    public bool MovePrevious()
    {
        if (--_index < 0)
        {
            _leaf = _leaf!.Previous;
            _index = _leaf is null ? 0 : _leaf.Count - 1;
        }
        return _leaf is not null;
    }

    /// <summary>Steps forward or back.</summary>
    public bool Move(bool reverse) => reverse ? MovePrevious() : MoveNext();
}
