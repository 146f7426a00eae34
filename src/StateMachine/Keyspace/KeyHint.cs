namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// Where a key will be looked up (its table and hash), for prefetching ahead of the command that uses it: the
/// RESP connection asks for the memory of a pipeline's next keys stage by stage (<see cref="Store.HintKey"/>,
/// then <see cref="Slot"/>, then <see cref="KeyAndValue"/>), so their cache misses overlap. Hints only.
/// </summary>
public readonly struct KeyHint
{
    private readonly KeyTable? _table;
    private readonly uint _hash;

    internal KeyHint(KeyTable? table, uint hash)
    {
        _table = table;
        _hash = hash;
    }

    /// <summary>Stage 2, once the bucket had time to arrive.</summary>
    public void Slot() => _table?.PrefetchSlot(_hash);

    /// <summary>Stage 3, once the slot had time to arrive.</summary>
    public void KeyAndValue() => _table?.PrefetchKeyAndValue(_hash);
}
