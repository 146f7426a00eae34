namespace HyperCache.StateMachine.Keyspace;

/// <summary>One key's value and metadata, stored inline in the slot table (no object per key beyond the value).</summary>
public struct Entry
{
    /// <summary>byte[] for strings; other types are their own classes.</summary>
    public object Value;
    /// <summary>Absolute expiry in Unix milliseconds; 0 = never.</summary>
    public long ExpireAt;
    /// <summary>Position in the database's volatile-key list, or -1.</summary>
    public int VolatileIndex;
    /// <summary>Last access, in seconds since the store started (for OBJECT IDLETIME and LRU).</summary>
    public int LastAccess;

    public readonly bool IsExpired(long now) => ExpireAt != 0 && ExpireAt <= now;
}
