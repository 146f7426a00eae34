using System.IO.Hashing;
using System.Numerics;

namespace HyperCache.StateMachine.Values;

public enum CuckooInsertResult { Exists = 0, Inserted = 1, NoSpace = -1 }

/// <summary>
/// A scalable Cuckoo filter with RedisBloom's semantics (CF.*): 8-bit fingerprints in buckets of
/// <see cref="BucketSize"/> slots, sub-filters added when full (each <see cref="Expansion"/> times the previous),
/// deletions, counting of duplicates, and compaction of later sub-filters into earlier ones.
/// <para>
/// Hashing: one 64-bit XxHash64 of the item. The bucket index comes from its low 32 bits, the fingerprint from
/// its high 32 bits (1..255, never 0 = empty slot), so the two are independent (the seed's filter took both
/// from the same low bits, which made false positives far likelier). The alternate bucket is
/// i XOR mix(fingerprint), masked to the sub-filter's power-of-two size, so it is its own inverse.
/// </para>
/// <para>
/// Deterministic: relocation ("kicks") takes victims in a fixed rotation rather than at random, so applying
/// the same operations to the same state always yields the same bytes. That is what lets the log record only
/// the item hashes and lets replay rebuild identical buckets (docs/decisions.md, "Cuckoo filters").
/// </para>
/// Not thread-safe: the owning key's shard lock guards it.
/// </summary>
public sealed class CuckooFilter
{
    /// <summary>RedisBloom's cap on sub-filters (cf_max_expansions): an insert is refused once reached.</summary>
    public const int MaxFilters = 32;
    /// <summary>Largest sub-filter we allocate, in bytes (RedisBloom has no cap and aborts on a failed calloc).</summary>
    public const long MaxFilterBytes = 1L << 30;

    private readonly List<byte[]> _filters = [];

    private CuckooFilter(long numBuckets, int bucketSize, int maxIterations, int expansion)
    {
        NumBuckets = numBuckets;
        BucketSize = bucketSize;
        MaxIterations = maxIterations;
        Expansion = expansion;
    }

    /// <summary>Buckets of the first sub-filter (CF.INFO "Number of buckets").</summary>
    public long NumBuckets { get; }
    public int BucketSize { get; }
    public int MaxIterations { get; }
    /// <summary>Growth factor of each new sub-filter, rounded up to a power of two; 0 = never grow.</summary>
    public int Expansion { get; }
    public long Items { get; private set; }
    public long Deletes { get; private set; }
    public int FilterCount => _filters.Count;

    /// <summary>The slots of sub-filter <paramref name="index"/>, bucket after bucket (0 = empty).</summary>
    public ReadOnlySpan<byte> FilterBytes(int index) => _filters[index];

    /// <summary>CF.INFO "Size": the bytes RedisBloom reports for the same filter (its structs plus the slots).</summary>
    /// <summary>What the filter costs in memory: itself, its list of sub-filters and their slot arrays.</summary>
    public long Bytes
    {
        get
        {
            long bytes = MemorySize.Object(48) + MemorySize.Object(16) + MemorySize.Array(_filters.Capacity, MemorySize.Reference);
            foreach (var f in _filters) bytes += MemorySize.ByteArray(f.Length);
            return bytes;
        }
    }

    public long SizeInBytes
    {
        get
        {
            long slots = 0;
            foreach (var f in _filters) slots += f.Length;
            return 40 + 16L * _filters.Count + slots;
        }
    }

    /// <summary>A filter for about <paramref name="capacity"/> items: capacity / bucket size buckets, rounded up to
    /// a power of two. Null when the sizes are out of range (the caller has validated the arguments).</summary>
    public static CuckooFilter? Create(long capacity, int bucketSize, int maxIterations, int expansion)
    {
        if (bucketSize < 1 || capacity < bucketSize * 2L || capacity / bucketSize > MaxFilterBytes) return null;
        long numBuckets = (long)BitOperations.RoundUpToPowerOf2((ulong)(capacity / bucketSize));
        if (numBuckets > MaxFilterBytes / bucketSize) return null;
        int rounded = expansion == 0 ? 0 : (int)BitOperations.RoundUpToPowerOf2((uint)expansion);
        var filter = new CuckooFilter(numBuckets, bucketSize, maxIterations, rounded);
        filter._filters.Add(new byte[numBuckets * bucketSize]);
        return filter;
    }

    /// <summary>Rebuilds the shape of a filter (all slots empty) for <see cref="LoadChunk"/> to fill.</summary>
    public static CuckooFilter Restore(long numBuckets, int bucketSize, int maxIterations, int expansion, int filterCount, long items, long deletes)
    {
        var filter = new CuckooFilter(numBuckets, bucketSize, maxIterations, expansion) { Items = items, Deletes = deletes };
        for (int i = 0; i < filterCount; i++) filter._filters.Add(new byte[filter.BucketsOf(i) * bucketSize]);
        return filter;
    }

    public void LoadChunk(int filterIndex, int offset, ReadOnlySpan<byte> bytes) => bytes.CopyTo(_filters[filterIndex].AsSpan(offset));

    public CuckooFilter Clone()
    {
        var copy = new CuckooFilter(NumBuckets, BucketSize, MaxIterations, Expansion) { Items = Items, Deletes = Deletes };
        foreach (var f in _filters) copy._filters.Add((byte[])f.Clone());
        return copy;
    }

    /// <summary>The one hash of an item everything else derives from (also what the log records).</summary>
    public static ulong Hash(ReadOnlySpan<byte> item) => XxHash64.HashToUInt64(item);

    public static byte FingerprintOf(ulong hash) => (byte)((hash >> 32) % 255 + 1);

    /// <summary>The XOR distance between an item's two buckets; spreads the 255 fingerprints over 32 bits.</summary>
    public static uint Mix(byte fingerprint) => (uint)((fingerprint * 0x9E3779B97F4A7C15UL) >> 32);

    public bool Contains(ulong hash)
    {
        byte fp = FingerprintOf(hash);
        uint h1 = (uint)hash, h2 = h1 ^ Mix(fp);
        foreach (var f in _filters)
            if (Find(f, h1, fp) >= 0 || Find(f, h2, fp) >= 0) return true;
        return false;
    }

    /// <summary>CF.COUNT: copies of the fingerprint in the item's buckets (an upper bound of the item's adds).</summary>
    public long CountOf(ulong hash)
    {
        byte fp = FingerprintOf(hash);
        uint h1 = (uint)hash, h2 = h1 ^ Mix(fp);
        long count = 0;
        foreach (var f in _filters) count += CountIn(f, h1, fp) + CountIn(f, h2, fp);
        return count;
    }

    /// <summary>CF.ADD (<paramref name="unique"/> false) or CF.ADDNX. Grows by a sub-filter when the kicks fail,
    /// unless <see cref="Expansion"/> is 0 (or the next sub-filter would be too big): then NoSpace, state unchanged.</summary>
    public CuckooInsertResult Insert(ulong hash, bool unique)
    {
        if (unique && Contains(hash)) return CuckooInsertResult.Exists;
        byte fp = FingerprintOf(hash);
        uint h1 = (uint)hash, h2 = h1 ^ Mix(fp);
        while (true)
        {
            for (int i = _filters.Count - 1; i >= 0; i--)
            {
                if (TryPlace(_filters[i], h1, fp) || TryPlace(_filters[i], h2, fp))
                {
                    Items++;
                    return CuckooInsertResult.Inserted;
                }
            }
            if (Kick(_filters[^1], h1, fp))
            {
                Items++;
                return CuckooInsertResult.Inserted;
            }
            if (!TryGrow()) return CuckooInsertResult.NoSpace;
        }
    }

    /// <summary>CF.DEL: removes one copy of the fingerprint, newest sub-filter first. Compacts when deletions
    /// exceed a tenth of the items and there is more than one sub-filter (as RedisBloom does).</summary>
    public bool Delete(ulong hash)
    {
        byte fp = FingerprintOf(hash);
        uint h1 = (uint)hash, h2 = h1 ^ Mix(fp);
        for (int i = _filters.Count - 1; i >= 0; i--)
        {
            var f = _filters[i];
            int slot = Find(f, h1, fp);
            if (slot < 0) slot = Find(f, h2, fp);
            if (slot < 0) continue;
            f[slot] = 0;
            Items--;
            Deletes++;
            if (_filters.Count > 1 && Deletes > Items * 0.10) Compact(stopAtFirstFailure: true);
            return true;
        }
        return false;
    }

    /// <summary>Moves fingerprints of later sub-filters into free slots of earlier ones; drops the newest
    /// sub-filters that end up empty.</summary>
    public void Compact(bool stopAtFirstFailure)
    {
        for (int i = _filters.Count - 1; i >= 1; i--)
        {
            bool emptied = CompactOne(i);
            if (emptied && i == _filters.Count - 1) _filters.RemoveAt(i);
            else if (!emptied && stopAtFirstFailure) break;
        }
        Deletes = 0;
    }

    private bool CompactOne(int index)
    {
        var f = _filters[index];
        bool all = true;
        long buckets = f.Length / BucketSize;
        for (long bucket = 0; bucket < buckets; bucket++)
        {
            for (int s = 0; s < BucketSize; s++)
            {
                long at = bucket * BucketSize + s;
                byte fp = f[at];
                if (fp == 0) continue;
                // Smaller sub-filters' sizes divide this one's, so the bucket index alone locates both homes there.
                uint h1 = (uint)bucket, h2 = h1 ^ Mix(fp);
                bool moved = false;
                for (int j = 0; j < index && !moved; j++)
                    moved = TryPlace(_filters[j], h1, fp) || TryPlace(_filters[j], h2, fp);
                if (moved) f[at] = 0;
                else all = false;
            }
        }
        return all;
    }

    private long BucketsOf(int filterIndex)
    {
        long buckets = NumBuckets;
        for (int i = 0; i < filterIndex; i++) buckets *= Expansion;
        return buckets;
    }

    private bool TryGrow()
    {
        if (Expansion == 0) return false;
        long buckets = NumBuckets;
        for (int i = 0; i < _filters.Count; i++)
        {
            if (buckets > MaxFilterBytes / BucketSize / Expansion) return false; // checked before it could overflow
            buckets *= Expansion;
        }
        _filters.Add(new byte[buckets * BucketSize]);
        return true;
    }

    private long BucketStart(byte[] f, uint h) => (h & (uint)(f.Length / BucketSize - 1)) * (long)BucketSize;

    private int Find(byte[] f, uint h, byte fp)
    {
        long start = BucketStart(f, h);
        for (int s = 0; s < BucketSize; s++)
            if (f[start + s] == fp) return (int)(start + s);
        return -1;
    }

    private int CountIn(byte[] f, uint h, byte fp)
    {
        long start = BucketStart(f, h);
        int count = 0;
        for (int s = 0; s < BucketSize; s++)
            if (f[start + s] == fp) count++;
        return count;
    }

    private bool TryPlace(byte[] f, uint h, byte fp)
    {
        long start = BucketStart(f, h);
        for (int s = 0; s < BucketSize; s++)
        {
            if (f[start + s] != 0) continue;
            f[start + s] = fp;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Cuckoo relocation in sub-filter <paramref name="f"/>: put the fingerprint in its first bucket, carry the
    /// displaced one to that one's other bucket, and so on, the displaced slot rotating through the bucket, for at
    /// most <see cref="MaxIterations"/> moves. On failure every swap is undone in reverse, so the filter is
    /// exactly as before.
    /// </summary>
    private bool Kick(byte[] f, uint h1, byte fp)
    {
        uint mask = (uint)(f.Length / BucketSize - 1);
        uint bucket = h1 & mask;
        int victim = 0;
        for (int n = 0; n < MaxIterations; n++)
        {
            long at = (long)bucket * BucketSize + victim;
            (f[at], fp) = (fp, f[at]);
            bucket = (bucket ^ Mix(fp)) & mask;
            if (TryPlace(f, bucket, fp)) return true;
            victim = (victim + 1) % BucketSize;
        }
        for (int n = 0; n < MaxIterations; n++)
        {
            victim = (victim + BucketSize - 1) % BucketSize;
            bucket = (bucket ^ Mix(fp)) & mask;
            long at = (long)bucket * BucketSize + victim;
            (f[at], fp) = (fp, f[at]);
        }
        return false;
    }
}
