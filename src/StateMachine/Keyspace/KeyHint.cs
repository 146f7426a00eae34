using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// Where a key will be looked up (its table and hash), for prefetching ahead of the command that uses it: the
/// RESP connection asks for the memory of a pipeline's next keys stage by stage (<see cref="Store.HintKey"/>,
/// then <see cref="Slot"/>, then <see cref="KeyAndValue"/>), so their cache misses overlap. With a member (SADD,
/// HSET, HGET, SISMEMBER... name one after the key), <see cref="Element"/> goes on into the set's or hash's own
/// table. Hints only.
/// </summary>
public readonly struct KeyHint
{
    private readonly KeyTable? _table;
    private readonly uint _hash;
    private readonly uint _memberHash;

    internal KeyTable? Table => _table;
    internal uint Hash => _hash;
    private readonly bool _hasMember;

    internal KeyHint(KeyTable? table, uint hash, uint memberHash = 0, bool hasMember = false)
    {
        _table = table;
        _hash = hash;
        _memberHash = memberHash;
        _hasMember = hasMember;
    }

    /// <summary>Stage 2, once the bucket had time to arrive.</summary>
    public void Slot() => _table?.PrefetchSlot(_hash);

    /// <summary>Stage 3, once the slot had time to arrive.</summary>
    public void KeyAndValue() => _table?.PrefetchKeyAndValue(_hash);

    /// <summary>Stage 4, once the value had time to arrive: when it is a set or a hash, the member's bucket in it.
    /// Reads the value's reference without the lock: a hint, which a concurrent change at worst makes useless.</summary>
    public ElementHint Element()
    {
        if (!_hasMember || _table is null) return default;
        var elements = _table.PeekValue(_hash) switch
        {
            SetValue set => set.Table,
            HashValue hash => hash.Table,
            _ => null,
        };
        elements?.PrefetchBucket(_memberHash);
        return new ElementHint(elements, _memberHash);
    }
}

/// <summary>The member stages of a <see cref="KeyHint"/>: the slot, then the element (and a hash's value).</summary>
public readonly struct ElementHint
{
    private readonly ElementTable? _table;
    private readonly uint _hash;

    internal ElementHint(ElementTable? table, uint hash)
    {
        _table = table;
        _hash = hash;
    }

    public void Slot() => _table?.PrefetchSlot(_hash);

    public void Element() => _table?.PrefetchElement(_hash);
}
