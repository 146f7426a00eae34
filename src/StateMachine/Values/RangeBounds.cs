namespace HyperCache.StateMachine.Values;

/// <summary>A condition on (score, member) false for a prefix of the sorted-set order and true after it: where a
/// score or lex range starts (its minimum reached) or stops (its maximum passed). The tree descends to it, packed
/// elements walk to it.</summary>
internal interface IRangeBound
{
    bool Reached(double score, ReadOnlySpan<byte> member);
}

internal readonly struct ScoreFrom(ScoreRange range) : IRangeBound
{
    public bool Reached(double score, ReadOnlySpan<byte> member) => range.AboveMin(score);
}

internal readonly struct ScoreAfter(ScoreRange range) : IRangeBound
{
    public bool Reached(double score, ReadOnlySpan<byte> member) => !range.BelowMax(score);
}

internal readonly ref struct LexFrom(LexRange range) : IRangeBound
{
    private readonly LexRange _range = range;
    public bool Reached(double score, ReadOnlySpan<byte> member) => _range.AboveMin(member);
}

internal readonly ref struct LexAfter(LexRange range) : IRangeBound
{
    private readonly LexRange _range = range;
    public bool Reached(double score, ReadOnlySpan<byte> member) => !_range.BelowMax(member);
}
