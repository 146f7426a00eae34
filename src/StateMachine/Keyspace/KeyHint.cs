using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// Where a key will be looked up (its table and hash), for prefetching ahead of the command that uses it: the
/// RESP connection asks for the memory of a pipeline's next keys stage by stage (<see cref="Store.HintKey"/>,
/// then <see cref="Slot"/>, then <see cref="KeyAndValue"/>), so their cache misses overlap. With a member (SADD,
/// HSET, HGET, SISMEMBER, ZADD, ZSCORE...), <see cref="Element"/> goes on into the set's, hash's or sorted set's
/// own table. Hints only.
/// </summary>
public readonly struct KeyHint
{
    private readonly KeyTable? _table;
    private readonly uint _hash;
    private readonly uint _memberHash;   // ElementTable's hash of the member, or MemberTable's for a sorted set
    private readonly MemberKind _member;

    internal KeyTable? Table => _table;
    internal uint Hash => _hash;

    internal enum MemberKind : byte { None, Element, SortedSet }

    internal KeyHint(KeyTable? table, uint hash, uint memberHash = 0, MemberKind member = MemberKind.None)
    {
        _table = table;
        _hash = hash;
        _memberHash = memberHash;
        _member = member;
    }

    /// <summary>Stage 2, once the bucket had time to arrive.</summary>
    public void Slot() => _table?.PrefetchSlot(_hash);

    /// <summary>Stage 3, once the slot had time to arrive.</summary>
    public void KeyAndValue() => _table?.PrefetchKeyAndValue(_hash);

    /// <summary>Stage 4, once the value had time to arrive: when it is a set, a hash or a sorted set (as the command
    /// named), the member's bucket in it, or, for one packed in an array, that array's start. Reads the value's
    /// reference without the lock: a hint, which a concurrent change at worst makes useless.</summary>
    public ElementHint Element()
    {
        if (_member == MemberKind.None || _table is null) return default;
        var value = _table.PeekValue(_hash);
        if (value is CollectionValue collection && collection.PrefetchPacked()) return default; // no table to go into
        if (_member == MemberKind.SortedSet)
        {
            var members = (value as ZSetValue)?.Table;
            members?.PrefetchBucket(_memberHash);
            return new ElementHint(null, members, _memberHash);
        }
        var elements = value switch
        {
            SetValue set => set.Table,
            HashValue hash => hash.Table,
            _ => null,
        };
        elements?.PrefetchBucket(_memberHash);
        return new ElementHint(elements, null, _memberHash);
    }
}

/// <summary>The member stages of a <see cref="KeyHint"/>: the slot, then the element (and a hash's value) or the
/// sorted set's member bytes.</summary>
public readonly struct ElementHint
{
    private readonly ElementTable? _elements;
    private readonly MemberTable? _members;
    private readonly uint _hash;

    internal ElementHint(ElementTable? elements, MemberTable? members, uint hash)
    {
        _elements = elements;
        _members = members;
        _hash = hash;
    }

    public void Slot()
    {
        _elements?.PrefetchSlot(_hash);
        _members?.PrefetchSlot(_hash);
    }

    public void Element()
    {
        _elements?.PrefetchElement(_hash);
        _members?.PrefetchMember(_hash);
    }
}
