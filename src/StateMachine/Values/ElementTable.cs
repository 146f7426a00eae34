using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// The hash table behind hashes and sets: binary-safe elements (with a value each, for hashes) in chained buckets
/// over one array of slots, as <see cref="KeyTable"/> does for keys. Ours rather than a Dictionary/HashSet for
/// three things those cannot give:
/// <list type="bullet">
/// <item>a uniformly random element in O(1) (SPOP, SRANDMEMBER, HRANDFIELD): pick a random slot index;</item>
/// <item>a SCAN cursor that survives growth and shrinking: buckets are walked in Redis's reverse-binary order, so an
/// element present for the whole iteration is returned at least once however the table is resized in between;</item>
/// <item>insertion order for small hashes (Redis's listpack): <see cref="Remove"/> with keepOrder closes the gap.</item>
/// </list>
/// The bucket array and the slot array have the same power-of-two length. Not thread-safe: the shard lock guards it.
/// </summary>
public sealed class ElementTable
{
    private struct Slot
    {
        public uint Hash;
        /// <summary>Next slot in the bucket's chain (-1 ends it); for a free slot, the next free one.</summary>
        public int Next;
        /// <summary>null marks a free slot.</summary>
        public byte[]? Key;
    }

    private const int MinSize = 4;

    private readonly bool _withValues;
    private int[] _buckets;          // slot index + 1; 0 = empty bucket
    private Slot[] _slots;
    private byte[]?[] _values;       // parallel to _slots; empty for sets
    private int _used;               // slots ever handed out (high-water mark)
    private int _free = -1;          // head of the free list
    private int _freeCount;
    private long _elementBytes;      // the element (and value) arrays this table holds

    public ElementTable(bool withValues, int capacity = MinSize)
    {
        _withValues = withValues;
        int size = (int)Math.Max(MinSize, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, capacity)));
        _buckets = new int[size];
        _slots = new Slot[size];
        _values = withValues ? new byte[size][] : [];
    }

    public int Count => _used - _freeCount;

    /// <summary>What this table costs: itself, its three arrays (slot 16 bytes, bucket 4, value reference 8) and
    /// the element arrays; O(1).</summary>
    public long Bytes => MemorySize.Object(48) + MemorySize.Array(_buckets.Length, 4) + MemorySize.Array(_slots.Length, 16)
        + (_withValues ? MemorySize.Array(_values.Length, MemorySize.Reference) : 0) + _elementBytes;

    /// <summary>Upper bound of slot indices, for iteration by index (free slots have a null key).</summary>
    public int Capacity => _used;

    public byte[]? KeyAt(int index) => _slots[index].Key;

    public byte[] ValueAt(int index) => _values[index]!;

    public int IndexOf(ReadOnlySpan<byte> key)
    {
        uint hash = KeyTable.Hash(key);
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

    public bool Contains(ReadOnlySpan<byte> key) => IndexOf(key) >= 0;

    // The RESP pipeline's look-ahead (ElementHint) asks for a member's chain of misses (bucket, slot, element
    // array) a stage at a time, as KeyTable's does for keys (see ChainPrefetch).

    /// <summary>Stage 1: the element's bucket.</summary>
    public void PrefetchBucket(uint hash) => ChainPrefetch.Bucket(_buckets, hash);

    /// <summary>Stage 2 (its bucket fetched): the first slot of its chain.</summary>
    public void PrefetchSlot(uint hash) => ChainPrefetch.Slot(_buckets, _slots, hash);

    /// <summary>Stage 3 (its slot fetched): that slot's element array, and its value for a hash.</summary>
    public void PrefetchElement(uint hash)
    {
        var slots = _slots;
        var values = _values;
        int index = ChainPrefetch.FirstSlot(_buckets, slots, hash);
        if (index < 0) return;
        ref Slot slot = ref slots[index];
        if (slot.Hash != hash) return;
        ChainPrefetch.PrefetchObject(ref Unsafe.As<byte[]?, object?>(ref slot.Key));
        if ((uint)index < (uint)values.Length) ChainPrefetch.PrefetchObject(ref Unsafe.As<byte[]?, object?>(ref values[index]));
    }

    /// <summary>Adds the element, or replaces its value when present; true when it was added.</summary>
    public bool Set(ReadOnlySpan<byte> key, byte[]? value)
    {
        int index = IndexOf(key);
        if (index >= 0)
        {
            if (_withValues)
            {
                _elementBytes += ValueBytes(value) - ValueBytes(_values[index]);
                _values[index] = value;
            }
            return false;
        }
        Add(key.ToArray(), value);
        return true;
    }

    /// <summary>As <see cref="Set(ReadOnlySpan{byte}, byte[])"/> with a copy of <paramref name="value"/>; with
    /// <paramref name="inPlace"/>, a present value of the same length is overwritten where it lies instead (no
    /// allocation: the caller knows no one outside the lock holds the old array).</summary>
    public bool Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool inPlace)
    {
        int index = IndexOf(key);
        if (index < 0)
        {
            Add(key.ToArray(), value.ToArray());
            return true;
        }
        var stored = _values[index];
        if (inPlace && stored != null && stored.Length == value.Length)
        {
            value.CopyTo(stored);
            return false;
        }
        _elementBytes += MemorySize.ByteArray(value.Length) - ValueBytes(stored);
        _values[index] = value.ToArray();
        return false;
    }

    /// <summary>Adds an element known to be absent; the table keeps <paramref name="key"/> itself.</summary>
    public void Add(byte[] key, byte[]? value)
    {
        if (_free < 0 && _used == _slots.Length) Resize(_slots.Length * 2);
        int index;
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
        uint hash = KeyTable.Hash(key);
        ref int bucket = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        _slots[index] = new Slot { Hash = hash, Next = bucket - 1, Key = key };
        if (_withValues) _values[index] = value;
        _elementBytes += MemorySize.ByteArray(key.Length) + (_withValues ? ValueBytes(value) : 0);
        bucket = index + 1;
    }

    /// <summary>
    /// Removes the element. With <paramref name="keepOrder"/> the later slots move down one place, so iteration by
    /// index stays in insertion order (O(n): for small hashes only, as Redis's listpack is); otherwise the slot joins
    /// the free list and a table left sparse shrinks, so random picks stay cheap.
    /// </summary>
    public bool Remove(ReadOnlySpan<byte> key, bool keepOrder)
    {
        uint hash = KeyTable.Hash(key);
        ref int link = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        int index = link - 1, previous = -1;
        while (index >= 0)
        {
            ref Slot slot = ref _slots[index];
            if (slot.Hash == hash && key.SequenceEqual(slot.Key))
            {
                if (previous < 0) link = slot.Next + 1;
                else _slots[previous].Next = slot.Next;
                _elementBytes -= MemorySize.ByteArray(slot.Key!.Length) + (_withValues ? ValueBytes(_values[index]) : 0);
                if (keepOrder && _freeCount == 0) CloseGap(index);
                else FreeSlot(index);
                return true;
            }
            previous = index;
            index = slot.Next;
        }
        return false;
    }

    /// <summary>A uniformly random live slot index; the table must not be empty.</summary>
    public int RandomIndex(Random random)
    {
        // At least one slot in eight is live (Remove shrinks sparser tables), so this loop is short.
        while (true)
        {
            int index = random.Next(_used);
            if (_slots[index].Key != null) return index;
        }
    }

    /// <summary>Every live slot index, in slot order.</summary>
    private void AllIndices(List<int> indices)
    {
        for (int i = 0; i < _used; i++)
            if (_slots[i].Key != null) indices.Add(i);
    }

    /// <summary><paramref name="count"/> uniformly random live slot indices, with repetition.</summary>
    public void PickWithRepetition(long count, List<int> picked)
    {
        for (long i = 0; i < count; i++) picked.Add(RandomIndex(Random.Shared));
    }

    /// <summary><paramref name="count"/> distinct random live slot indices (fewer than the table holds), in
    /// random order.</summary>
    public void PickDistinct(int count, List<int> picked)
    {
        if (count * 3L > Count)
        {
            // Many of them: a partial shuffle of all the indices.
            var all = new List<int>(Count);
            AllIndices(all);
            ShuffleTake(all, count);
            picked.AddRange(all);
            return;
        }
        var seen = new HashSet<int>();
        while (picked.Count < count)
        {
            int index = RandomIndex(Random.Shared);
            if (seen.Add(index)) picked.Add(index);
        }
    }

    /// <summary>Leaves <paramref name="count"/> of <paramref name="items"/>, chosen at random, in random order
    /// (a partial Fisher-Yates shuffle).</summary>
    public static void ShuffleTake(List<int> items, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int j = Random.Shared.Next(i, items.Count);
            (items[i], items[j]) = (items[j], items[i]);
        }
        items.RemoveRange(count, items.Count - count);
    }

    /// <summary>
    /// One step of SCAN: collects the slot indices of whole buckets from <paramref name="cursor"/> on, in
    /// reverse-binary order, until about <paramref name="count"/> were collected (or ten times as many buckets were
    /// visited); returns the cursor to resume from, 0 when the iteration is complete.
    /// </summary>
    public ulong Scan(ulong cursor, int count, List<int> indices)
    {
        if (Count == 0) return 0;
        ulong mask = (ulong)_buckets.Length - 1;
        long budget = (long)count * 10;
        int before = indices.Count;
        do
        {
            for (int index = _buckets[cursor & mask] - 1; index >= 0; index = _slots[index].Next) indices.Add(index);
            // Increment the reversed cursor: visits every bucket once, and survives resizing in between calls.
            cursor |= ~mask;
            cursor = ReverseBits(cursor);
            cursor++;
            cursor = ReverseBits(cursor);
        }
        while (cursor != 0 && --budget > 0 && indices.Count - before < count);
        return cursor;
    }

    public ElementTable Clone()
    {
        var copy = new ElementTable(_withValues, 0)
        {
            _buckets = (int[])_buckets.Clone(),
            _slots = (Slot[])_slots.Clone(),
            _values = CloneValues(_values), // a value may be overwritten in place: the copy must own its own
            _used = _used,
            _free = _free,
            _freeCount = _freeCount,
            _elementBytes = _elementBytes,
        };
        return copy;
    }

    private static byte[]?[] CloneValues(byte[]?[] values)
    {
        var copy = new byte[]?[values.Length];
        for (int i = 0; i < values.Length; i++) copy[i] = values[i]?.ToArray();
        return copy;
    }

    private static long ValueBytes(byte[]? value) => value is null ? 0 : MemorySize.ByteArray(value.Length);

    private void FreeSlot(int index)
    {
        _slots[index] = new Slot { Next = _free };
        if (_withValues) _values[index] = null;
        _free = index;
        _freeCount++;
        if (_slots.Length > 16 && Count * 8 < _slots.Length)
            Resize((int)Math.Max(MinSize, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Count * 2)));
    }

    private void CloseGap(int index)
    {
        int after = _used - index - 1;
        Array.Copy(_slots, index + 1, _slots, index, after);
        if (_withValues) Array.Copy(_values, index + 1, _values, index, after);
        _used--;
        _slots[_used] = default;
        if (_withValues) _values[_used] = null;
        Rechain();
    }

    /// <summary>New arrays of <paramref name="size"/> slots; live slots keep their relative order (and, when
    /// growing without free slots, their indices).</summary>
    private void Resize(int size)
    {
        var slots = new Slot[size];
        var values = _withValues ? new byte[size][] : _values;
        int used = 0;
        for (int i = 0; i < _used; i++)
        {
            if (_slots[i].Key is null) continue;
            slots[used] = _slots[i];
            if (_withValues) values[used] = _values[i];
            used++;
        }
        _slots = slots;
        _values = values;
        _used = used;
        _free = -1;
        _freeCount = 0;
        _buckets = new int[size];
        Rechain();
    }

    private void Rechain()
    {
        Array.Clear(_buckets);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
    }
}
