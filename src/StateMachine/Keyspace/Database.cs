using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// One logical database's keys inside one shard: the key table, plus the list of keys that carry a TTL, which the
/// active expiry samples. Not thread-safe: the owning shard's lock guards it.
/// <para>Memory: <see cref="Memory"/> counts what this database costs — the table and volatile-list arrays, each
/// key's array, each value (a string's array; a collection's <see cref="CollectionValue.SizeBytes"/>, which the
/// collection keeps up to date itself through the same account). Only Apply paths change it.</para>
/// </summary>
public sealed class Database
{
    private readonly KeyTable _table = new();
    private readonly List<byte[]> _volatile = [];
    private readonly KeyspaceFilter? filter;
    private readonly AccessClock _clock;
    private long _structureBytes;   // table + volatile list, as last counted

    public Database(KeyspaceFilter? filter = null, int index = 0, AccessClock? clock = null, ShardMemory? shardMemory = null)
    {
        this.filter = filter;
        Memory = new MemoryAccount(shardMemory);
        Index = index;
        _clock = clock ?? new AccessClock();
        if (_clock.TrackSieve) Sieve = new SieveQueue();
        if (_clock.TrackS3Fifo) S3Fifo = new S3Fifo();
        CountStructure();
    }

    /// <summary>Bytes this database's keys and values cost (see the class remarks).</summary>
    public MemoryAccount Memory { get; }

    /// <summary>Insertion order for the SIEVE policy; null unless that policy is on.</summary>
    public SieveQueue? Sieve { get; private set; }

    /// <summary>S3-FIFO's queues; null unless that policy is on.</summary>
    public S3Fifo? S3Fifo { get; private set; }

    /// <summary>Starts (every present key into the small queue, one O(n) pass) or stops S3-FIFO's queues.</summary>
    public void TrackS3Fifo(bool on)
    {
        if (!on) { S3Fifo = null; return; }
        if (S3Fifo != null) return;
        var queues = new S3Fifo();
        for (int i = 0; i < _table.Capacity; i++)
            if (_table.KeyAt(i) is { } key) queues.Insert(key, ref _table.EntryAt(i), _table);
        S3Fifo = queues;
    }

    /// <summary>Starts (queueing every present key, in slot order: one O(n) pass when the policy is switched on)
    /// or stops SIEVE's queue.</summary>
    public void TrackSieve(bool on)
    {
        if (!on) { Sieve = null; return; }
        if (Sieve != null) return;
        var sieve = new SieveQueue();
        for (int i = 0; i < _table.Capacity; i++)
            if (_table.KeyAt(i) is { } key) sieve.Push(key, _table);
        Sieve = sieve;
    }

    /// <summary>This database's number, part of the keyspace filter's hash; SWAPDB renumbers.</summary>
    public int Index { get; set; }

    public int Count => _table.Count;
    public int VolatileCount => _volatile.Count;

    /// <summary>The key table's arrays (slots and buckets), as counted in <see cref="Memory"/> (MEMORY STATS).</summary>
    public long TableBytes => _table.Bytes;

    /// <summary>The volatile list's array, as counted in <see cref="Memory"/> (MEMORY STATS).</summary>
    public long VolatileBytes => MemorySize.Array(_volatile.Capacity, MemorySize.Reference);
    public KeyTable Table => _table;

    /// <summary>A reference to the key's entry, or a null reference (<see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>).</summary>
    public ref Entry Find(ReadOnlySpan<byte> key) => ref _table.Find(key);

    /// <summary>The key's entry, added empty (no value, no TTL) when absent.</summary>
    public ref Entry GetOrAdd(ReadOnlySpan<byte> key, out bool existed)
    {
        ref Entry entry = ref _table.GetOrAdd(key, out existed, out byte[] stored);
        if (!existed)
        {
            filter?.Add(Index, key);
            int now = _clock.Ticks;
            entry.Created = now;
            entry.LastAccess = now;
            entry.Access = AccessBits.New(now);
            Memory.Add(MemorySize.ByteArray(key.Length));
            Sieve?.Push(stored, _table);
            S3Fifo?.Insert(stored, ref entry, _table);
            CountStructure();
        }
        return ref entry;
    }

    /// <summary>Stores a value in a present entry, moving the old value's bytes out of the account and the new
    /// one's in (a collection reports its later changes to this account itself).</summary>
    public void SetValue(ref Entry entry, object value)
    {
        if (ReferenceEquals(entry.Value, value)) return;
        Detach(entry.Value);
        if (value is CollectionValue collection)
        {
            collection.Account = null;
            collection.Resized();
            collection.Account = Memory;
        }
        Memory.Add(MemorySize.OfValue(value));
        entry.Value = value;
    }

    private void Detach(object? value)
    {
        if (value is null) return;
        Memory.Add(-MemorySize.OfValue(value));
        if (value is CollectionValue collection && collection.Account == Memory) collection.Account = null;
    }

    private void CountStructure()
    {
        long bytes = _table.Bytes + MemorySize.Array(_volatile.Capacity, MemorySize.Reference);
        Memory.Add(bytes - _structureBytes);
        _structureBytes = bytes;
    }

    public bool Remove(ReadOnlySpan<byte> key)
    {
        if (!_table.Remove(key, out Entry removed)) return false;
        filter?.Remove(Index, key);
        if (removed.VolatileIndex != 0) RemoveVolatileAt(removed.VolatileIndex - 1);
        Memory.Add(-MemorySize.ByteArray(key.Length));
        Detach(removed.Value);
        Sieve?.Forget();
        S3Fifo?.Forget(removed.Access);
        return true;
    }

    /// <summary>True when the key table is sparse enough for <see cref="ShrinkIfSparse"/>; a hint read without
    /// the lock.</summary>
    public bool IsSparse => _table.IsSparse;

    /// <summary>Shrinks a sparse key table (<see cref="KeyTable.ShrinkIfSparse"/>). It moves entries: never
    /// called while a command holds one, only between commands (eviction before a write, the memory loop).</summary>
    public bool ShrinkIfSparse()
    {
        if (!_table.ShrinkIfSparse()) return false;
        CountStructure();
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
            CountStructure();
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
        _volatile.Capacity = 0;
        Sieve?.Clear();
        S3Fifo?.Clear();
        // Values dropped here keep their account reference, but nothing reaches them to mutate them any more.
        Memory.Add(-Memory.Bytes);
        _structureBytes = 0;
        CountStructure();
    }

    /// <summary>A random key (eviction sampling of allkeys-* policies), or null.</summary>
    public byte[]? SampleKey(Random random, out int slot)
    {
        slot = _table.RandomIndex(random);
        return slot < 0 ? null : _table.KeyAt(slot);
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
