namespace HyperCache.StateMachine.Keyspace;

/// <summary>One key's value and metadata, stored inline in the slot table (no object per key beyond the value).
/// 32 bytes: the two eviction fields fill what was padding after <see cref="LastAccess"/>.</summary>
public struct Entry
{
    /// <summary>byte[] for strings; other types are their own classes.</summary>
    public object Value;
    /// <summary>Absolute expiry in Unix milliseconds; 0 = never.</summary>
    public long ExpireAt;
    /// <summary>Position in the database's volatile-key list, or -1.</summary>
    public int VolatileIndex;
    /// <summary>Last access, in <see cref="AccessClock"/> ticks (for OBJECT IDLETIME and LRU).</summary>
    public int LastAccess;
    /// <summary>When the key was created, in <see cref="AccessClock"/> ticks (the session policy's age).</summary>
    public int Created;
    /// <summary>Eviction bits (<see cref="AccessBits"/>): Redis's LFU counter and decrement time, S3-FIFO's hits and queue, SIEVE's visited bit.</summary>
    public int Access;

    public readonly bool IsExpired(long now) => ExpireAt != 0 && ExpireAt <= now;
}
