using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// One logical database's keys inside one shard: a small table per hash slot (so SCAN, snapshots and slot moves
/// walk slots, not the whole keyspace) plus a list of the keys that carry a TTL, which the active expiry samples.
/// Not thread-safe: the owning shard's lock guards it.
/// </summary>
public sealed class Database
{
    private readonly Dictionary<byte[], Entry>?[] _tables;
    private readonly List<VolatileKey> _volatile = [];

    public Database(int slotsPerShard) => _tables = new Dictionary<byte[], Entry>?[slotsPerShard];

    public int Count { get; private set; }
    public int VolatileCount => _volatile.Count;
    public int TableCount => _tables.Length;

    /// <summary>A reference to the key's entry, or a null reference (<see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>).</summary>
    public ref Entry Find(int localSlot, ReadOnlySpan<byte> key)
    {
        var table = _tables[localSlot];
        if (table is null) return ref Unsafe.NullRef<Entry>();
        return ref CollectionsMarshal.GetValueRefOrNullRef(table.GetAlternateLookup<ReadOnlySpan<byte>>(), key);
    }

    /// <summary>The key's entry, added empty (no value, no TTL) when absent.</summary>
    public ref Entry GetOrAdd(int localSlot, ReadOnlySpan<byte> key, out bool existed)
    {
        var table = _tables[localSlot] ??= new Dictionary<byte[], Entry>(KeyComparer.Instance);
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrAddDefault(
            table.GetAlternateLookup<ReadOnlySpan<byte>>(), key, out existed);
        if (!existed) Count++;
        return ref entry;
    }

    public bool Remove(int localSlot, ReadOnlySpan<byte> key)
    {
        var table = _tables[localSlot];
        if (table is null || !table.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(key, out _, out Entry removed))
            return false;
        Count--;
        if (removed.VolatileIndex != 0) RemoveVolatileAt(removed.VolatileIndex - 1);
        return true;
    }

    /// <summary>Sets or clears (0) the expiry of a present key, keeping the volatile list in step.</summary>
    public void SetExpiry(int localSlot, ReadOnlySpan<byte> key, ref Entry entry, long expireAt)
    {
        if (expireAt != 0 && entry.VolatileIndex == 0)
        {
            _tables[localSlot]!.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out byte[]? stored, out _);
            _volatile.Add(new VolatileKey(stored!, localSlot));
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
    public bool TrySampleVolatile(Random random, out VolatileKey key)
    {
        if (_volatile.Count == 0) { key = default; return false; }
        key = _volatile[random.Next(_volatile.Count)];
        return true;
    }

    public Dictionary<byte[], Entry>? Table(int localSlot) => _tables[localSlot];

    public void Clear()
    {
        Array.Clear(_tables);
        _volatile.Clear();
        Count = 0;
    }

    private void RemoveVolatileAt(int index)
    {
        int last = _volatile.Count - 1;
        if (index != last)
        {
            var moved = _volatile[last];
            _volatile[index] = moved;
            ref Entry movedEntry = ref Find(moved.LocalSlot, moved.Key);
            movedEntry.VolatileIndex = index + 1;
        }
        _volatile.RemoveAt(last);
    }
}

public readonly record struct VolatileKey(byte[] Key, int LocalSlot);
