using HyperCache.StateMachine.Keyspace;
using System.Runtime.CompilerServices;
using System.IO.Hashing;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// Member → score, the sorted set's dictionary; the member arrays are the ones its <see cref="ScoreTree"/> holds.
/// Like <see cref="Keyspace.KeyTable"/>: chained buckets over one array of slots, and a slot keeps its index while
/// its member lives (growing copies slots in order), so ZSCAN uses the slot index as its cursor and returns every
/// member present throughout the scan exactly once; callers also keep a slot index to find a member again.
/// </summary>
public sealed class MemberTable
{
    private struct Slot
    {
        public uint Hash;
        /// <summary>Next slot in the bucket's chain (-1 ends it); for a free slot, the next free one.</summary>
        public int Next;
        /// <summary>null marks a free slot.</summary>
        public byte[]? Member;
        public double Score;
    }

    private int[] _buckets = new int[4];   // slot index + 1; 0 = empty bucket
    private Slot[] _slots = new Slot[4];
    private int _used;
    private int _free = -1;
    private int _freeCount;

    public int Count => _used - _freeCount;

    /// <summary>The table and its arrays (slot 24 bytes, bucket 4); the members are the tree's.</summary>
    public long Bytes => MemorySize.Object(32) + MemorySize.Array(_buckets.Length, 4) + MemorySize.Array(_slots.Length, 24);

    /// <summary>Upper bound of slot indices, for iteration by index.</summary>
    public int Capacity => _used;

    internal static uint Hash(ReadOnlySpan<byte> member) => (uint)XxHash3.HashToUInt64(member);

    // The RESP pipeline's look-ahead (ElementHint) asks for a member's chain of misses (bucket, slot, member bytes)
    // a stage at a time, as ElementTable's does (see ChainPrefetch).

    /// <summary>Stage 1: the member's bucket (<paramref name="hash"/> is <see cref="Hash"/> of it).</summary>
    public void PrefetchBucket(uint hash) => ChainPrefetch.Bucket(_buckets, hash);

    /// <summary>Stage 2 (its bucket fetched): the first slot of its chain.</summary>
    public void PrefetchSlot(uint hash) => ChainPrefetch.Slot(_buckets, _slots, hash);

    /// <summary>Stage 3 (its slot fetched): that slot's member bytes, which the lookup compares.</summary>
    public void PrefetchMember(uint hash)
    {
        var slots = _slots;
        int index = ChainPrefetch.FirstSlot(_buckets, slots, hash);
        if (index < 0) return;
        ref Slot slot = ref slots[index];
        if (slot.Hash == hash) ChainPrefetch.PrefetchObject(ref Unsafe.As<byte[]?, object?>(ref slot.Member));
    }

    /// <summary>The member's slot index, or -1.</summary>
    public int Find(ReadOnlySpan<byte> member)
    {
        uint hash = Hash(member);
        int index = _buckets[hash & (uint)(_buckets.Length - 1)] - 1;
        var slots = _slots;
        while ((uint)index < (uint)slots.Length)
        {
            ref Slot slot = ref slots[index];
            if (slot.Hash == hash && member.SequenceEqual(slot.Member)) return index;
            index = slot.Next;
        }
        return -1;
    }

    /// <summary>Adds a member that is not in the table yet; returns its slot index.</summary>
    public int Add(byte[] member, double score)
    {
        uint hash = Hash(member);
        if (_free < 0 && _used == _slots.Length) Grow();
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
        ref int bucket = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        _slots[index] = new Slot { Hash = hash, Next = bucket - 1, Member = member, Score = score };
        bucket = index + 1;
        return index;
    }

    /// <summary>Removes the member; false when absent. <paramref name="stored"/> is the table's array for it.</summary>
    public bool Remove(ReadOnlySpan<byte> member, out byte[] stored, out double score)
    {
        uint hash = Hash(member);
        ref int link = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        int index = link - 1;
        int previous = -1;
        while (index >= 0)
        {
            ref Slot slot = ref _slots[index];
            if (slot.Hash == hash && member.SequenceEqual(slot.Member))
            {
                stored = slot.Member!;
                score = slot.Score;
                if (previous < 0) link = slot.Next + 1;
                else _slots[previous].Next = slot.Next;
                slot = new Slot { Next = _free };
                _free = index;
                _freeCount++;
                return true;
            }
            previous = index;
            index = slot.Next;
        }
        stored = null!;
        score = 0;
        return false;
    }

    /// <summary>The member at a slot index, or null when that slot is free.</summary>
    public byte[]? MemberAt(int index) => _slots[index].Member;

    /// <summary>The score of the member at a (used) slot index.</summary>
    public ref double ScoreAt(int index) => ref _slots[index].Score;

    private void Grow()
    {
        Array.Resize(ref _slots, _slots.Length * 2);
        _buckets = new int[_slots.Length];
        uint mask = (uint)(_buckets.Length - 1);
        for (int i = 0; i < _used; i++)
        {
            ref Slot slot = ref _slots[i];
            if (slot.Member is null) continue;
            ref int bucket = ref _buckets[slot.Hash & mask];
            slot.Next = bucket - 1;
            bucket = i + 1;
        }
    }
}
