namespace HyperCache.StateMachine.Values;

/// <summary>
/// Where a hash's pairs or a set's members live: packed in one array (<see cref="PackedPairs"/>; a set's members are
/// pairs with empty values) while the owner keeps them small, or an <see cref="ElementTable"/> once it
/// <see cref="Unpack"/>s them, for good. Elements are reached by position: an offset among the packed pairs or a
/// slot of the table, valid until the next change; walking <see cref="First"/> and <see cref="Next"/> lists them
/// in insertion order while packed, in slot order in a table. A struct held in a field of its owner: change it
/// only through that field.
/// </summary>
internal struct ElementStorage()
{
    private PackedPairs _packed = new();
    private ElementTable? _table;

    private ElementStorage(PackedPairs packed, ElementTable? table) : this()
    {
        _packed = packed;
        _table = table;
    }

    public readonly bool IsPacked => _table is null;

    /// <summary>The table; null while packed.</summary>
    public readonly ElementTable? Table => _table;

    public readonly int Count => _table?.Count ?? _packed.Count;

    /// <summary>What the elements cost: the packed array, or the table with its arrays.</summary>
    public readonly long Bytes => _table?.Bytes ?? _packed.Bytes;

    public readonly bool Contains(ReadOnlySpan<byte> element) => _table?.Contains(element) ?? _packed.Find(element) >= 0;

    /// <summary>The element's value where it lies (read it under the shard lock); false when absent.</summary>
    public readonly bool TryGet(ReadOnlySpan<byte> element, out ReadOnlySpan<byte> value)
    {
        int at = _table?.IndexOf(element) ?? _packed.Find(element);
        value = at < 0 ? default : ValueAt(at);
        return at >= 0;
    }

    /// <summary>The first element's position, -1 for none.</summary>
    public readonly int First => _table is null ? _packed.First : LiveFrom(0);

    public readonly int Next(int at) => _table is null ? _packed.Next(at) : LiveFrom(at + 1);

    public readonly ReadOnlySpan<byte> ElementAt(int at) => _table is { } table ? table.KeyAt(at) : _packed.FieldAt(at);

    public readonly ReadOnlySpan<byte> ValueAt(int at) => _table is { } table ? table.ValueAt(at) : _packed.ValueAt(at);

    /// <summary>The element at <paramref name="at"/> as an array a reply may keep: the table's own (elements never
    /// change), or a copy of a packed one.</summary>
    public readonly byte[] ElementArrayAt(int at) => _table is { } table ? table.KeyAt(at)! : _packed.FieldAt(at).ToArray();

    /// <summary>Every element's position, in walking order.</summary>
    public readonly void AllPositions(List<int> positions)
    {
        for (int at = First; at >= 0; at = Next(at)) positions.Add(at);
    }

    /// <summary>One step of a SCAN cursor over the table (<see cref="ElementTable.Scan"/>); packed elements come
    /// whole, cursor 0 (they are few, and an offset would not survive a removal as a cursor must).</summary>
    public readonly ulong Scan(ulong cursor, int count, List<int> positions)
    {
        if (_table is { } table) return table.Scan(cursor, count, positions);
        AllPositions(positions);
        return 0;
    }

    /// <summary>|count| random positions with repetition when negative, else <paramref name="count"/> distinct
    /// ones (fewer than there are elements) in random order.</summary>
    public readonly void RandomPositions(long count, List<int> picked)
    {
        if (_table is { } table)
        {
            if (count < 0) table.PickWithRepetition(-count, picked);
            else table.PickDistinct((int)count, picked);
            return;
        }
        var all = new List<int>(_packed.Count);
        AllPositions(all);
        if (count >= 0)
        {
            ElementTable.ShuffleTake(all, (int)count);
            picked.AddRange(all);
            return;
        }
        for (long i = 0; i < -count; i++) picked.Add(all[Random.Shared.Next(all.Count)]);
    }

    /// <summary>A uniformly random element's position; there must be one.</summary>
    public readonly int RandomPosition()
    {
        if (_table is { } table) return table.RandomIndex(Random.Shared);
        int at = _packed.First;
        for (int skip = Random.Shared.Next(_packed.Count); skip > 0; skip--) at = _packed.Next(at);
        return at;
    }

    /// <summary>Adds the element or replaces its value; true when it is new. <paramref name="inPlace"/> lets the
    /// table overwrite a value of the same length where it lies; packed pairs always may, as a copy
    /// (<see cref="Clone"/>) never shares their array.</summary>
    public bool Set(ReadOnlySpan<byte> element, ReadOnlySpan<byte> value, bool inPlace)
        => _table?.Set(element, value, inPlace) ?? _packed.Set(element, value);

    /// <summary>Adds a set's member; true when it is new.</summary>
    public bool Add(ReadOnlySpan<byte> member) => _table?.Set(member, (byte[]?)null) ?? _packed.Set(member, default);

    /// <summary>Adds a member known to be absent, keeping the array when in a table (a *STORE result's members,
    /// which no one mutates).</summary>
    public void AddMember(byte[] member)
    {
        if (_table is { } table) table.Add(member, null);
        else _packed.Set(member, default);
    }

    /// <summary>Removes the element; true when it was there. In a table, <paramref name="keepOrder"/> closes the
    /// gap (O(n), for small hashes that keep insertion order); packed pairs always do.</summary>
    public bool Remove(ReadOnlySpan<byte> element, bool keepOrder)
        => _table?.Remove(element, keepOrder) ?? _packed.Remove(element);

    /// <summary>Moves packed elements to a table, in their order (a no-op in a table), with their values for a
    /// hash; room for <paramref name="capacity"/> elements.</summary>
    public void Unpack(bool withValues, int capacity = 0)
    {
        if (_table != null) return;
        var table = new ElementTable(withValues, Math.Max(capacity, _packed.Count + 1));
        for (int at = _packed.First; at >= 0; at = _packed.Next(at))
            table.Add(_packed.FieldAt(at).ToArray(), withValues ? _packed.ValueAt(at).ToArray() : null);
        _packed = new PackedPairs();
        _table = table;
    }

    /// <summary>See <see cref="CollectionValue.PrefetchPacked"/>.</summary>
    public bool PrefetchPacked()
    {
        if (_table != null) return false;
        _packed.Prefetch();
        return true;
    }

    public readonly ElementStorage Clone() => new(_packed.Clone(), _table?.Clone());

    private readonly int LiveFrom(int index)
    {
        var table = _table!;
        for (; index < table.Capacity; index++)
            if (table.KeyAt(index) != null) return index;
        return -1;
    }
}
