using System.Runtime.CompilerServices;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// One logical database's keys inside one shard: the key table, plus the list of keys that carry a TTL, which the
/// active expiry samples. Not thread-safe: the owning shard's lock guards it.
/// </summary>
public sealed class Database(KeyspaceFilter? filter = null, int index = 0)
{
    private readonly KeyTable _table = new();
    private readonly List<byte[]> _volatile = [];

    /// <summary>This database's number, part of the keyspace filter's hash; SWAPDB renumbers.</summary>
    public int Index { get; set; } = index;

    public int Count => _table.Count;
    public int VolatileCount => _volatile.Count;
    public KeyTable Table => _table;

    /// <summary>A reference to the key's entry, or a null reference (<see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>).</summary>
    public ref Entry Find(ReadOnlySpan<byte> key) => ref _table.Find(key);

    /// <summary>The key's entry, added empty (no value, no TTL) when absent.</summary>
    public ref Entry GetOrAdd(ReadOnlySpan<byte> key, out bool existed)
    {
        ref Entry entry = ref _table.GetOrAdd(key, out existed, out _);
        if (!existed) filter?.Add(Index, key);
        return ref entry;
    }

    public bool Remove(ReadOnlySpan<byte> key)
    {
        if (!_table.Remove(key, out Entry removed)) return false;
        filter?.Remove(Index, key);
        if (removed.VolatileIndex != 0) RemoveVolatileAt(removed.VolatileIndex - 1);
        return true;
    }

    /// <summary>Sets or clears (0) the expiry of a present key, keeping the volatile list in step.</summary>
    public void SetExpiry(ReadOnlySpan<byte> key, ref Entry entry, long expireAt)
    {
        if (expireAt != 0 && entry.VolatileIndex == 0)
        {
            _table.GetOrAdd(key, out _, out byte[] stored);
            _volatile.Add(stored);
            entry.VolatileIndex = _volatile.Count;
        }
        else if (expireAt == 0 && entry.VolatileIndex != 0)
        {
            int index = entry.VolatileIndex - 1;
            entry.VolatileIndex = 0;
            RemoveVolatileAt(index);
        }
        entry.ExpireAt = expireAt;
    }

    /// <summary>A random key that has a TTL (for the active expiry), or false when there is none.</summary>
    public bool TrySampleVolatile(Random random, out byte[] key)
    {
        if (_volatile.Count == 0) { key = []; return false; }
        key = _volatile[random.Next(_volatile.Count)];
        return true;
    }

    public void Clear()
    {
        if (filter != null && _table.Count > 0)
        {
            // The shard's filter spans all databases: forget only this one's keys, unless they are all it holds.
            if (filter.Count == _table.Count) filter.Clear();
            else ForEachKey(key => filter.Remove(Index, key));
        }
        _table.Clear();
        _volatile.Clear();
    }

    /// <summary>Every key of the table (refilling the keyspace filter).</summary>
    public void ForEachKey(Action<byte[]> action)
    {
        for (int i = 0; i < _table.Capacity; i++)
            if (_table.KeyAt(i) is { } key) action(key);
    }

    private void RemoveVolatileAt(int index)
    {
        int last = _volatile.Count - 1;
        if (index != last)
        {
            var moved = _volatile[last];
            _volatile[index] = moved;
            _table.Find(moved).VolatileIndex = index + 1;
        }
        _volatile.RemoveAt(last);
    }
}
