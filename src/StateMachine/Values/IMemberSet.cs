namespace HyperCache.StateMachine.Values;

/// <summary>
/// A plain set as ZUNION, ZINTER and ZDIFF read it (Redis accepts sets there, every member scored 1). The set type
/// implements it; the sorted-set code needs nothing else from it.
/// </summary>
public interface IMemberSet
{
    long Count { get; }
    bool Contains(ReadOnlySpan<byte> member);
    byte[][] Members();
}
