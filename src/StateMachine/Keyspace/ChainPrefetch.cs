using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// Prefetch hints into a chained hash table: an <c>int[]</c> of buckets holding a slot index + 1, over an array of
/// slots. The key table, the hash/set element table and the sorted-set member table share that layout, and the
/// look-aheads (the RESP pipeline's, replay's) ask for a lookup's chain of misses one link per stage. The caller
/// reads each array once and passes it in: the look-ahead runs outside the shard lock, where a resize may swap
/// them, and a stale array costs a useless fetch, never a fault. Hints only: nothing changes.
/// </summary>
internal static class ChainPrefetch
{
    /// <summary>Stage 1: the bucket of <paramref name="hash"/>.</summary>
    public static void Bucket(int[] buckets, uint hash) => Prefetch(ref buckets[hash & (uint)(buckets.Length - 1)]);

    /// <summary>Stage 2 (the bucket fetched): the first slot of its chain.</summary>
    public static void Slot<TSlot>(int[] buckets, TSlot[] slots, uint hash)
    {
        int index = FirstSlot(buckets, slots, hash);
        if (index < 0) return;
        ref TSlot slot = ref slots[index];
        Prefetch(ref slot);
        // A slot whose size does not divide 64 (the key table's are 48 bytes) may end on the next cache line, where
        // the key table keeps the value's reference.
        Prefetch(ref Unsafe.Add(ref Unsafe.As<TSlot, byte>(ref slot), Unsafe.SizeOf<TSlot>() - 1));
    }

    /// <summary>The index of the chain's first slot, or -1 (empty bucket, or arrays swapped in between).</summary>
    public static int FirstSlot<TSlot>(int[] buckets, TSlot[] slots, uint hash)
    {
        int index = buckets[hash & (uint)(buckets.Length - 1)] - 1;
        return (uint)index < (uint)slots.Length ? index : -1;
    }

    public static unsafe void Prefetch<T>(ref T at)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref at));
    }

    /// <summary>Prefetches what a reference points to without dereferencing it (reading the object's type would
    /// be the very miss this avoids).</summary>
    public static unsafe void PrefetchObject(ref object? reference, int offset = 0)
    {
        if (Sse.IsSupported) Sse.Prefetch0((byte*)*(void**)Unsafe.AsPointer(ref reference) + offset);
    }
}
