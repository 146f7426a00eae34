using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// The hash table behind a database shard: chained buckets over one array of slots, each slot holding the hash,
/// the key and the <see cref="Entry"/> inline. Ours rather than <see cref="Dictionary{TKey,TValue}"/> for two
/// reasons: a lookup touches bucket, slot, key and value and nothing else (per-slot dictionaries cost ~200 ns more
/// per random GET here), and a slot keeps its index for as long as its key lives (growing copies slots in order;
/// shrinking a sparse table moves keys to lower indices only), so SCAN, walking each table downwards, can use the
/// index as its cursor and return every key present throughout (exactly once unless the table shrank meanwhile).
/// </summary>
public sealed class KeyTable
{
    private struct Slot
    {
        public uint Hash;
        /// <summary>Next slot in the bucket's chain (-1 ends it); for a free slot, the next free one.</summary>
        public int Next;
        /// <summary>null marks a free slot.</summary>
        public byte[]? Key;
        public Entry Entry;
    }

    private int[] _buckets = new int[4 * BucketsPerSlot];   // slot index + 1; 0 = empty bucket
    private Slot[] _slots = new Slot[4];
    // Two buckets per slot: at most half the buckets are in use, so a lookup that hits finds its key in the chain's
    // first slot ~80 % of the time instead of ~60 % at one bucket per slot; a second slot is a cache miss the
    // look-aheads do not fetch. Costs 4 bytes per slot.
    private const int BucketsPerSlot = 2;
    private int _used;                      // slots ever handed out (high-water mark)
    private int _free = -1;                 // head of the free list
    private int _freeCount;

    public int Count => _used - _freeCount;

    /// <summary>Upper bound of slot indices, for iteration by index.</summary>
    public int Capacity => _used;

    public static uint Hash(ReadOnlySpan<byte> key) => (uint)XxHash3.HashToUInt64(key);

    public ref Entry Find(ReadOnlySpan<byte> key)
    {
        int index = IndexOf(key, Hash(key));
        return ref index < 0 ? ref Unsafe.NullRef<Entry>() : ref _slots[index].Entry;
    }

    /// <summary><see cref="FindExact(byte[])"/> looking first at <paramref name="slot"/>, where the key was seen
    /// (an eviction candidate): no hash, no chain, when it is still there; a table that moved its entries since (it
    /// shrank or grew) or a key deleted meanwhile falls back to the lookup.</summary>
    public ref Entry FindExact(byte[] key, int slot)
    {
        if ((uint)slot < (uint)_used && ReferenceEquals(_slots[slot].Key, key)) return ref _slots[slot].Entry;
        return ref FindExact(key);
    }

    /// <summary>The entry whose stored key is this very array (not just equal bytes): a queue holding key arrays
    /// tells a live key from a deleted one that was added again.</summary>
    public ref Entry FindExact(byte[] key)
    {
        int index = IndexOf(key, Hash(key));
        return ref index < 0 || !ReferenceEquals(_slots[index].Key, key) ? ref Unsafe.NullRef<Entry>() : ref _slots[index].Entry;
    }

    /// <summary>What the table's arrays cost: a slot is 48 bytes (hash, chain link, key reference, the 32-byte
    /// entry), a bucket 4.</summary>
    public long Bytes => Values.MemorySize.Object(32) + Values.MemorySize.Array(_buckets.Length, 4) + Values.MemorySize.Array(_slots.Length, 48);

    /// <summary>A random live slot index for eviction sampling, or -1 when empty. The table never shrinks, so after
    /// mass deletes it may be sparse: a few random probes, then a bounded walk from a random slot.</summary>
    public int RandomIndex(Random random)
    {
        if (Count == 0) return -1;
        for (int tries = 0; tries < 32; tries++)
        {
            int index = random.Next(_used);
            if (_slots[index].Key != null) return index;
        }
        int start = random.Next(_used);
        for (int step = 0, limit = Math.Min(_used, 1 << 16); step < limit; step++)
        {
            int index = (start + step) % _used;
            if (_slots[index].Key != null) return index;
        }
        return -1;
    }

    /// <summary>The key's entry, added empty when absent; <paramref name="storedKey"/> is the table's own copy.</summary>
    public ref Entry GetOrAdd(ReadOnlySpan<byte> key, out bool existed, out byte[] storedKey)
    {
        uint hash = Hash(key);
        int index = IndexOf(key, hash);
        existed = index >= 0;
        if (!existed)
        {
            if (_free < 0 && _used == _slots.Length) Grow();
            if (_free >= 0)
            {
                index = _free;
                _free = _slots[index].Next;
                _freeCount--;
            }
            else
            {
                index = _used++;
            }
            ref int bucket = ref _buckets[hash & (uint)(_buckets.Length - 1)];
            _slots[index] = new Slot { Hash = hash, Next = bucket - 1, Key = key.ToArray() };
            bucket = index + 1;
        }
        storedKey = _slots[index].Key!;
        return ref _slots[index].Entry;
    }

    public bool Remove(ReadOnlySpan<byte> key, out Entry removed)
    {
        uint hash = Hash(key);
        ref int link = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        int index = link - 1;
        int previous = -1;
        while (index >= 0)
        {
            ref Slot slot = ref _slots[index];
            if (slot.Hash == hash && key.SequenceEqual(slot.Key))
            {
                if (previous < 0) link = slot.Next + 1;
                else _slots[previous].Next = slot.Next;
                removed = slot.Entry;
                slot = new Slot { Next = _free };
                _free = index;
                _freeCount++;
                return true;
            }
            previous = index;
            index = slot.Next;
        }
        removed = default;
        return false;
    }

    /// <summary>The key at a slot index, or null when that slot is free.</summary>
    public byte[]? KeyAt(int index) => _slots[index].Key;

    public ref Entry EntryAt(int index) => ref _slots[index].Entry;

    /// <summary>For a walk over the slots in index order (a snapshot's capture): the value object of a slot ahead,
    /// whose first touch is otherwise a cache miss per key. A hint: an index past the end is ignored.</summary>
    public void PrefetchValueAt(int index)
    {
        var slots = _slots;
        if ((uint)index < (uint)slots.Length && slots[index].Entry.Value is not null) ChainPrefetch.PrefetchObject(ref slots[index].Entry.Value!);
    }

    public void Clear()
    {
        _buckets = new int[4 * BucketsPerSlot];
        _slots = new Slot[4];
        _used = 0;
        _free = -1;
        _freeCount = 0;
    }

    // Replay's prefetch (ReplayPrefetch) and the RESP pipeline's (KeyHint): a lookup is a chain of cache misses
    // (bucket, slot, key array, value), so the applier asks for each link a few entries ahead, one link per stage
    // (see ChainPrefetch).

    /// <summary>Stage 1: the key's bucket.</summary>
    public void PrefetchBucket(uint hash) => ChainPrefetch.Bucket(_buckets, hash);

    /// <summary>Stage 2 (its bucket fetched): the first slot of the key's chain.</summary>
    public void PrefetchSlot(uint hash) => ChainPrefetch.Slot(_buckets, _slots, hash);

    /// <summary>Stage 3 (its slot fetched): that slot's key array and value object.</summary>
    public void PrefetchKeyAndValue(uint hash)
    {
        var slots = _slots;
        int index = ChainPrefetch.FirstSlot(_buckets, slots, hash);
        if (index < 0) return;
        ref Slot slot = ref slots[index];
        if (slot.Hash != hash) return;
        ChainPrefetch.PrefetchObject(ref Unsafe.As<byte[]?, object?>(ref slot.Key));
        ChainPrefetch.PrefetchObject(ref slot.Entry.Value!);
        ChainPrefetch.PrefetchObject(ref slot.Entry.Value!, 64); // a 64-byte value and its 16-byte header span two lines
    }

    /// <summary>Stage 4 (its slot and value fetched): the value at the key's first slot, when that slot's hash is
    /// the key's, without a lock (a racy read of one reference: it may be stale or another key's with the same
    /// hash; good enough for a hint, never for an answer).</summary>
    public object? PeekValue(uint hash)
    {
        var slots = _slots;
        int index = ChainPrefetch.FirstSlot(_buckets, slots, hash);
        if (index < 0) return null;
        ref Slot slot = ref slots[index];
        return slot.Hash == hash ? Volatile.Read(ref slot.Entry.Value) : null;
    }

    private int IndexOf(ReadOnlySpan<byte> key, uint hash)
    {
        int index = _buckets[hash & (uint)(_buckets.Length - 1)] - 1;
        var slots = _slots;
        while ((uint)index < (uint)slots.Length)
        {
            ref Slot slot = ref slots[index];
            if (slot.Hash == hash && key.SequenceEqual(slot.Key)) return index;
            index = slot.Next;
        }
        return -1;
    }

    /// <summary>Doubles the slots (keeping every index) and rebuilds the chains.</summary>
    private void Grow()
    {
        Array.Resize(ref _slots, _slots.Length * 2);
        RebuildChains();
    }

    /// <summary>Tables this small are not worth shrinking.</summary>
    private const int MinShrinkSlots = 64;

    /// <summary>At most an eighth of the slots hold a key (and the table is worth shrinking).</summary>
    public bool IsSparse => _slots.Length >= MinShrinkSlots && Count <= _slots.Length / 8;

    /// <summary>
    /// Gives most of the arrays back once at most an eighth of the slots hold a key (mass deletes or evictions; Redis
    /// shrinks its dicts under 10 % fill): the keys above the new size move down into free slots, the arrays are cut
    /// to the smallest power of two at least twice the keys, and the chains are rebuilt. A key only ever moves to a
    /// lower index, which SCAN relies on (it walks each table downwards). False when the table is not that sparse.
    /// Without it a table keeps the size of the most keys it ever held, and memory freed by evicting keys could not
    /// go below it.
    /// </summary>
    public bool ShrinkIfSparse()
    {
        if (!IsSparse) return false;
        int size = 4;
        while (size < Count * 2) size <<= 1;
        int low = 0;
        for (int i = size; i < _used; i++)
        {
            if (_slots[i].Key is null) continue;
            while (_slots[low].Key != null) low++; // a free one below size exists: Count <= size / 2
            _slots[low] = _slots[i];
        }
        Array.Resize(ref _slots, size);
        _used = size;
        while (_used > 0 && _slots[_used - 1].Key is null) _used--;
        _free = -1;
        _freeCount = 0;
        for (int i = _used - 1; i >= 0; i--)
        {
            if (_slots[i].Key != null) continue;
            _slots[i] = new Slot { Next = _free };
            _free = i;
            _freeCount++;
        }
        RebuildChains();
        return true;
    }

    /// <summary>A bucket array for the slots' size, every key's chain link set again.</summary>
    private void RebuildChains()
    {
        _buckets = new int[_slots.Length * BucketsPerSlot];
        uint mask = (uint)(_buckets.Length - 1);
        for (int i = 0; i < _used; i++)
        {
            ref Slot slot = ref _slots[i];
            if (slot.Key is null) continue;
            ref int bucket = ref _buckets[slot.Hash & mask];
            slot.Next = bucket - 1;
            bucket = i + 1;
        }
    }
}
