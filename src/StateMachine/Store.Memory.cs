using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>
/// Memory accounting totals, access bookkeeping for the eviction policies, and maxmemory settings. Each
/// database counts its own bytes inside Apply (<see cref="Database.Memory"/>), so live, replay and replicas agree;
/// this file only adds them up. Eviction itself is in Store.Eviction.cs.
/// </summary>
public sealed partial class Store
{
    private MemorySettings _memory = new();
    private long _peakMemory;

    public MemorySettings Memory => _memory;

    /// <summary>Applies new maxmemory settings. Switching SIEVE on queues every present key (one O(n) pass per
    /// shard, under its lock); switching LFU on starts counting from the keys' current counters.</summary>
    public void ConfigureMemory(MemorySettings settings)
    {
        var previous = _memory;
        _memory = settings;
        _clock.TrackFrequency = settings.Policy.UsesLfu();
        bool sieve = settings.Policy == EvictionPolicy.AllKeysSieve, s3fifo = settings.Policy == EvictionPolicy.AllKeysS3Fifo;
        if (sieve != _clock.TrackSieve || s3fifo != _clock.TrackS3Fifo || previous.Policy != settings.Policy)
        {
            _clock.TrackSieve = sieve;
            _clock.TrackS3Fifo = s3fifo;
            foreach (var shard in _shards)
            {
                lock (shard.Lock)
                {
                    shard.Pool.Clear();
                    for (int db = 0; db < Databases; db++)
                    {
                        shard.DbIfExists(db)?.TrackSieve(sieve);
                        shard.DbIfExists(db)?.TrackS3Fifo(s3fifo);
                    }
                }
            }
        }
    }

    /// <summary>Bytes the keyspace costs: keys, values and the tables' arrays, as counted by Apply.</summary>
    public long UsedMemory
    {
        get
        {
            long bytes = 0;
            foreach (var shard in _shards) bytes += shard.UsedBytes;
            return bytes;
        }
    }

    /// <summary>Shrinks the key tables that deletes or evictions left sparse (<see cref="KeyTable.ShrinkIfSparse"/>),
    /// each under its shard's lock and so between commands; how many. The memory loop calls it ten times a
    /// second, as Redis's cron resizes its dicts.</summary>
    public int ShrinkSparseTables()
    {
        int shrunk = 0;
        foreach (var shard in _shards)
        {
            for (int db = 0; db < Databases; db++)
            {
                if (shard.DbIfExists(db) is not { IsSparse: true }) continue;
                lock (shard.Lock)
                    if (shard.DbIfExists(db)?.ShrinkIfSparse() == true) shrunk++;
            }
        }
        return shrunk;
    }

    /// <summary><see cref="UsedMemory"/> within shards x <see cref="MemoryTotal.Step"/> bytes, read in one load (what a
    /// write under maxmemory checks first).</summary>
    public long ApproximateUsedMemory => Volatile.Read(ref _memoryTotal.Bytes);

    /// <summary>The highest <see cref="UsedMemory"/> seen (sampled before writes under a limit, by the memory
    /// loop and whenever it is read).</summary>
    public long PeakMemory => NotePeak(UsedMemory);

    public long EvictedKeys
    {
        get
        {
            long evicted = 0;
            foreach (var shard in _shards) evicted += Volatile.Read(ref shard.EvictedKeys);
            return evicted;
        }
    }

    public MemoryPressure Pressure => PressureAt(UsedMemory, _memory);

    public static MemoryPressure PressureAt(long used, MemorySettings settings)
    {
        if (settings.MaxMemory <= 0) return MemoryPressure.Normal;
        double ratio = (double)used / settings.MaxMemory;
        return ratio >= settings.PanicRatio ? MemoryPressure.Panic
            : ratio >= settings.CriticalRatio ? MemoryPressure.Critical
            : ratio >= settings.WarningRatio ? MemoryPressure.Warning
            : MemoryPressure.Normal;
    }

    private long NotePeak(long used)
    {
        long peak = Volatile.Read(ref _peakMemory);
        while (used > peak)
        {
            long seen = Interlocked.CompareExchange(ref _peakMemory, used, peak);
            if (seen == peak) return used;
            peak = seen;
        }
        return peak;
    }

    /// <summary>A read or write of the key: LRU time always, the LFU counter or SIEVE's bit when that policy is on.</summary>
    private void Touch(ref Entry entry, int ticks)
    {
        entry.LastAccess = ticks;
        if (_clock.TrackFrequency) entry.Access = AccessBits.Touch(entry.Access, ticks, Random.Shared.NextDouble());
        else if (_clock.TrackSieve) entry.Access |= AccessBits.Visited;
        else if (_clock.TrackS3Fifo) entry.Access = AccessBits.S3Hit(entry.Access);
    }

    /// <summary>Inside Apply: a write to a key that already existed counts as an access (a new key keeps the
    /// fresh state <see cref="Database.GetOrAdd"/> gave it: SIEVE must not see it as visited).</summary>
    private void TouchApplied(ref Entry entry, bool existed)
    {
        if (existed) Touch(ref entry, _clock.Ticks);
    }

    /// <summary>OBJECT FREQ: the key's LFU counter after decay, or null when absent.</summary>
    public int? Frequency(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
            return Unsafe.IsNullRef(ref entry) ? null : AccessBits.Counter(entry.Access, Clock(now));
        }
    }

    /// <summary>What the key costs in this store's accounting (MEMORY USAGE), or null when absent.</summary>
    public long? KeyBytes(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, NowMs());
            if (Unsafe.IsNullRef(ref entry)) return null;
            return Values.MemorySize.ByteArray(key.Length) + Values.MemorySize.OfValue(entry.Value) + 52;
        }
    }
}
