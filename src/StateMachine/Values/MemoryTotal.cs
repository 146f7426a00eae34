namespace HyperCache.StateMachine.Values;

/// <summary>
/// A shard's bytes (the sum of its databases' accounts, kept as they change, so reading it is one load rather than
/// one per database), and its changes to the store-wide <see cref="MemoryTotal"/>, passed on in steps of at most
/// <see cref="MemoryTotal.Step"/> bytes: the total is one cache line every core can read, written once per step
/// rather than per write. Updated under the shard's lock, as the shard's accounts are.
/// </summary>
public sealed class ShardMemory(MemoryTotal total)
{
    public long Bytes;
    private long _pending;

    public void Add(long delta)
    {
        Bytes += delta;
        _pending += delta;
        if (_pending is < MemoryTotal.Step and > -MemoryTotal.Step) return;
        Interlocked.Add(ref total.Bytes, _pending);
        _pending = 0;
    }
}

/// <summary>The store's used bytes within <c>shards × Step</c>: every shard holds back less than
/// <see cref="Step"/> of its changes. Lets a write under maxmemory by more than that margin skip the exact sum.</summary>
public sealed class MemoryTotal
{
    public const long Step = 16 * 1024;
    public long Bytes;
}
