namespace HyperCache.StateMachine.Values;

/// <summary>
/// A position in a sorted set, whichever way it holds its elements: in the tree (a <see cref="ScoreCursor"/>) or
/// packed (an offset in the array). Valid until the set changes (callers hold the shard lock while they walk). The
/// default cursor is past either end.
/// </summary>
public struct ZCursor
{
    private ScoreCursor _tree;
    private readonly byte[]? _packed;
    private int _at;
    private readonly int _end;

    internal ZCursor(ScoreCursor tree)
    {
        _tree = tree;
        _at = -1;
    }

    internal ZCursor(byte[] packed, int at, int end)
    {
        _packed = packed;
        _at = at;
        _end = end;
    }

    /// <summary>The packed element's offset.</summary>
    internal readonly int Offset => _at;

    public readonly bool IsValid => _packed is null ? _tree.IsValid : _at >= 0;

    public readonly double Score => _packed is null ? _tree.Score : PackedScores.ScoreIn(_packed, _at);

    /// <summary>The member where it lies.</summary>
    public readonly ReadOnlySpan<byte> MemberSpan => _packed is null ? _tree.Member : PackedScores.MemberIn(_packed, _at);

    /// <summary>The member as an array a reply may keep: the tree's own (members never change), or a copy of a
    /// packed one.</summary>
    public readonly byte[] Member => _packed is null ? _tree.Member : PackedScores.MemberIn(_packed, _at).ToArray();

    /// <summary>Steps to the next element in order; false (and no longer valid) past the last.</summary>
    public bool MoveNext()
    {
        if (_packed is null) return _tree.MoveNext();
        _at += PackedScores.Overhead + _packed[_at];
        if (_at >= _end) _at = -1;
        return _at >= 0;
    }

    /// <summary>Steps to the previous element; false (and no longer valid) before the first.</summary>
    public bool MovePrevious()
    {
        if (_packed is null) return _tree.MovePrevious();
        _at = _at == 0 ? -1 : _at - PackedScores.Overhead - _packed[_at - 1];
        return _at >= 0;
    }

    /// <summary>Steps forward or back.</summary>
    public bool Move(bool reverse) => reverse ? MovePrevious() : MoveNext();
}
