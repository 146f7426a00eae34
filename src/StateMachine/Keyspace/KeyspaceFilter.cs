using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// A Cuckoo filter of the keys present in one shard, across all its databases: "absent" is certain, "present"
/// means maybe. It is kept in step with the key tables by <see cref="Database"/> (every key added or removed,
/// clears and swaps), so it never answers "absent" for a key the shard holds. Expired keys not yet deleted are
/// still in the table, hence still "maybe" here.
/// <para>
/// 16-bit fingerprints, 4 slots per bucket: false positives ≤ 2·4/2^16 ≈ 0.012%. Duplicated fingerprints are
/// fine (two keys may share one), and removing a key removes one copy, so deletes stay exact as long as only
/// keys that were added are removed — which the table guarantees. At 90% load, or when an insert cannot find room,
/// the filter does not fail: it doubles and is refilled from the key tables.
/// </para>
/// Not thread-safe: the shard lock guards it.
/// </summary>
public sealed class KeyspaceFilter
{
    private const int BucketSize = 4;
    private const int MaxKicks = 500;
    private const int InitialBuckets = 256;
    private const double MaxLoad = 0.9;

    private readonly Action<KeyspaceFilter> _refill;
    private ushort[] _slots;
    private uint _mask;
    private bool _refilling, _refillFailed;

    /// <param name="refill">Adds every key of the shard back through <see cref="Add"/>; the filter does not know
    /// the tables, the shard does.</param>
    public KeyspaceFilter(Action<KeyspaceFilter> refill, int buckets = InitialBuckets)
    {
        _refill = refill;
        _slots = new ushort[buckets * BucketSize];
        _mask = (uint)buckets - 1;
    }

    public long Count { get; private set; }
    public int Buckets => (int)_mask + 1;
    public long SizeInBytes => _slots.Length * sizeof(ushort);

    /// <summary>The hash covers the database number (as the seed) and the key bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HashOf(int db, ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key, db);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort FingerprintOf(ulong hash)
    {
        ushort fp = (ushort)(hash >> 48);
        return fp == 0 ? (ushort)1 : fp;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Mix(ushort fp) => (uint)((fp * 0x9E3779B97F4A7C15UL) >> 32);

    public bool MightContain(int db, ReadOnlySpan<byte> key)
    {
        ulong hash = HashOf(db, key);
        ushort fp = FingerprintOf(hash);
        uint i1 = (uint)hash & _mask, i2 = (i1 ^ Mix(fp)) & _mask;
        return Has(i1, fp) || Has(i2, fp);
    }

    /// <summary>Records a key its table has just added. Never fails: when full, the filter doubles and is
    /// refilled from the tables (which already hold this key).</summary>
    public void Add(int db, ReadOnlySpan<byte> key)
    {
        // Past 90% full, inserts need ever longer kick chains: grow first (the refill adds this key too).
        if (Count >= _slots.Length * MaxLoad && !_refilling) Grow();
        else if (TryInsert(HashOf(db, key))) Count++;
        else if (_refilling) _refillFailed = true; // the refill loop grows again
        else Grow();
    }

    /// <summary>Forgets one copy of a key its table has just removed (it was added, so a copy is there).</summary>
    public void Remove(int db, ReadOnlySpan<byte> key)
    {
        ulong hash = HashOf(db, key);
        ushort fp = FingerprintOf(hash);
        uint i1 = (uint)hash & _mask, i2 = (i1 ^ Mix(fp)) & _mask;
        if (Erase(i1, fp) || Erase(i2, fp)) Count--;
    }

    /// <summary>Forgets everything, keeping the current size (the tables are about to be emptied too).</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        Count = 0;
    }

    /// <summary>Empties the filter and refills it from the tables (after SWAPDB renumbered two databases).</summary>
    public void Rebuild()
    {
        Clear();
        if (!RefillOnce()) Grow();
    }

    private void Grow()
    {
        do
        {
            _slots = new ushort[_slots.Length * 2];
            _mask = _mask * 2 + 1;
            Count = 0;
        }
        while (!RefillOnce());
    }

    private bool RefillOnce()
    {
        _refilling = true;
        _refillFailed = false;
        try
        {
            _refill(this);
        }
        finally
        {
            _refilling = false;
        }
        return !_refillFailed;
    }

    private bool Has(uint bucket, ushort fp)
    {
        int start = (int)bucket * BucketSize;
        var s = _slots;
        return s[start] == fp || s[start + 1] == fp || s[start + 2] == fp || s[start + 3] == fp;
    }

    private bool Erase(uint bucket, ushort fp)
    {
        int start = (int)bucket * BucketSize;
        for (int i = start; i < start + BucketSize; i++)
        {
            if (_slots[i] != fp) continue;
            _slots[i] = 0;
            return true;
        }
        return false;
    }

    private bool TryPlace(uint bucket, ushort fp)
    {
        int start = (int)bucket * BucketSize;
        for (int i = start; i < start + BucketSize; i++)
        {
            if (_slots[i] != 0) continue;
            _slots[i] = fp;
            return true;
        }
        return false;
    }

    /// <summary>Standard cuckoo insert with a fixed victim rotation; on failure the kicks are undone, so the
    /// filter is as before and the caller grows it.</summary>
    private bool TryInsert(ulong hash)
    {
        ushort fp = FingerprintOf(hash);
        uint bucket = (uint)hash & _mask;
        if (TryPlace(bucket, fp) || TryPlace((bucket ^ Mix(fp)) & _mask, fp)) return true;
        int victim = 0;
        for (int n = 0; n < MaxKicks; n++)
        {
            int at = (int)bucket * BucketSize + victim;
            (_slots[at], fp) = (fp, _slots[at]);
            bucket = (bucket ^ Mix(fp)) & _mask;
            if (TryPlace(bucket, fp)) return true;
            victim = (victim + 1) % BucketSize;
        }
        for (int n = 0; n < MaxKicks; n++)
        {
            victim = (victim + BucketSize - 1) % BucketSize;
            bucket = (bucket ^ Mix(fp)) & _mask;
            int at = (int)bucket * BucketSize + victim;
            (_slots[at], fp) = (fp, _slots[at]);
        }
        return false;
    }
}
