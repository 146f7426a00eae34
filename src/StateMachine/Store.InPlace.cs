using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

public sealed partial class Store
{
    /// <summary>
    /// Set while the store is being rebuilt and nothing else can see it (start-up recovery before the node serves,
    /// offline replay). Stored strings are otherwise immutable: GET writes the stored array to the socket after the
    /// shard lock is released, and HyperLogLog's count cache is keyed by the array (filled by PFCOUNT, a read), so
    /// only while this is on may Apply overwrite one in place. COPY gives the copy an array of its own.
    /// </summary>
    public bool Rebuilding { get; set; }

    /// <summary>
    /// Overwrites the entry's string in place when it is an array of the new value's length and no reader can hold
    /// it (<see cref="Rebuilding"/>): no allocation, and the memory account is unchanged. A log of SETs over the
    /// same keys replays mostly as such overwrites. False when the caller must store a new array.
    /// </summary>
    private bool TryOverwriteInPlace(ref Entry entry, ReadOnlySpan<byte> value)
    {
        if (!Rebuilding || entry.Value is not byte[] old || old.Length != value.Length) return false;
        value.CopyTo(old);
        return true;
    }
}
