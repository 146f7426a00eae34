namespace HyperCache.StateMachine;

/// <summary>Reads two strings at one instant (LCS): both shard locks are held, so no write lands between them.</summary>
public sealed partial class Store
{
    /// <summary>Copies of the strings at <paramref name="a"/> and <paramref name="b"/> (null when missing); false,
    /// with no copies, when either holds another type (the caller words that error: LCS has its own).</summary>
    public bool TryGetStringPair(Session session, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, out byte[]? first, out byte[]? second)
    {
        using var locks = LockKeys(a, b, stackalloc ulong[MaskWords]);
        // Both are looked up before either is judged, as Redis does (so a miss on the second still counts).
        object? x = ReadCollection(session, ShardOf(a), a), y = ReadCollection(session, ShardOf(b), b);
        first = second = null;
        if (x is not (null or byte[] or Values.StringBuffer) || y is not (null or byte[] or Values.StringBuffer)) return false;
        if (x is not null) first = StringSpan(x).ToArray();
        if (y is not null) second = StringSpan(y).ToArray();
        return true;
    }
}
