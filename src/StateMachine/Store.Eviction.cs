using System.Diagnostics;
using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>
/// Eviction under maxmemory. Every eviction is an ordinary logged <c>Delete</c> (so replicas and replays never
/// guess), taken under the victim's shard lock. Victims are chosen as Redis does — a few sampled keys per database
/// feed a per-shard pool of the best candidates — or, for <c>allkeys-sieve</c> and <c>allkeys-s3fifo</c>, by their
/// queues; nothing scans the keyspace. Shards take turns, so memory is given back evenly.
/// </summary>
public sealed partial class Store
{
    private readonly Session _evictionSession = new();
    private int _evictCursor;
    private long _usedAfterBackground = -1; // UsedMemory as the previous background pass left it (the loop is one thread); -1 before the first
    private long _evictedByWriters;      // bytes MakeRoom freed since the previous background pass

    // UsedMemory sums every shard's accounts: as many cache lines as there are shards (256 on a 64-core machine),
    // each last written by another core. Read before every write under a limit, it cost more than the write (SET
    // -P 16, 256 shards, a maxmemory not reached: 870 k -> 340 k/s). This total is never more than
    // shards x MemoryTotal.Step below the sum, so a write whose total is that far under the limit needs no sum.
    private readonly MemoryTotal _memoryTotal = new();

    /// <summary>Log address of the latest eviction (background evictions wait for its commit under
    /// <c>appendfsync always</c>, so an evicted key cannot come back after a crash).</summary>
    public long LastEvictionAddress => Volatile.Read(ref _evictionSession.LastLogAddress);

    /// <summary>
    /// Before a write that may grow memory (Redis's performEvictions before the command): evicts until used memory
    /// is at most maxmemory, or for at most the tenacity's time limit (a limit lowered far under the data, or a
    /// burst, is then worked off by the next writes and the background loop instead of stalling one command, as
    /// Redis's eviction time proc). False only when the policy leaves nothing to evict while over the limit
    /// (noeviction, or a volatile policy without volatile keys): the caller refuses the write with OOM. Memory
    /// another writer adds after this one got under the limit does not refuse this write (Redis runs one command at
    /// a time; here two loops may write at once).
    /// </summary>
    /// <summary>Whether this store follows a primary: a replica gets its primary's evictions as deletes and ignores
    /// maxmemory itself (Redis's replica-ignore-maxmemory yes), or it would evict keys its primary keeps and the two
    /// would diverge. Set by the node; asked only when over the limit.</summary>
    public Func<bool> FollowsPrimary { get; set; } = static () => false;

    public bool MakeRoom()
    {
        var settings = _memory;
        if (settings.MaxMemory <= 0 || _deletionsPaused) return true; // paused: no evictions, and no OOM (as Redis)
        long total = ApproximateUsedMemory;
        if (total + _shards.Length * MemoryTotal.Step <= settings.MaxMemory)
        {
            NotePeak(total);
            return true;
        }
        long used = UsedMemory;
        NotePeak(used);
        if (used <= settings.MaxMemory || FollowsPrimary()) return true;
        if (settings.Policy == EvictionPolicy.NoEviction) return false;
        long limitUs = settings.EvictionTimeLimitUs;
        long deadline = limitUs == long.MaxValue ? long.MaxValue : Stopwatch.GetTimestamp() + limitUs * Stopwatch.Frequency / 1_000_000;
        bool exhausted = EvictDownTo(settings, settings.MaxMemory, int.MaxValue, deadline).Exhausted;
        long after = UsedMemory;
        if (after < used) Interlocked.Add(ref _evictedByWriters, used - after);
        return !exhausted || after <= settings.MaxMemory;
    }

    /// <summary>The background loop: when pressure reaches panic, evicts (at most <paramref name="maxKeys"/> keys a
    /// call) down to maxmemory less the bytes writes added since the previous call (what they made room for
    /// themselves included, so the room follows a rising write rate), and never below just under the panic line:
    /// writes rarely have to evict themselves, yet the cache stays as full as the write rate allows.
    /// Evicting down to the panic line itself kept a full cache at 95-100 % of maxmemory, 0.3 point of Zipf 1.0 hit
    /// ratio below holding what Redis holds at the same limit (bench/EvictionSim).</summary>
    public int EvictInBackground(int maxKeys = 10_000)
    {
        TickAccessClock();
        var settings = _memory;
        long used = UsedMemory;
        NotePeak(used);
        // The first pass has no previous one to measure writes from: what is there already (a recovery's keys) is
        // not growth, or a restart would evict a full cache down to the panic line before serving a write.
        long baseline = _usedAfterBackground < 0 ? used : _usedAfterBackground;
        long growth = Math.Max(0, used - baseline + Interlocked.Exchange(ref _evictedByWriters, 0));
        _usedAfterBackground = used;
        if (settings.MaxMemory <= 0 || settings.Policy == EvictionPolicy.NoEviction || _deletionsPaused) return 0;
        long panic = (long)(settings.MaxMemory * settings.PanicRatio);
        if (used < panic || FollowsPrimary()) return 0;
        long target = Math.Max(panic - 1, settings.MaxMemory - growth);
        if (used <= target) return 0;
        int evicted = EvictDownTo(settings, target, maxKeys, long.MaxValue).Evicted;
        _usedAfterBackground = UsedMemory;
        return evicted;
    }

    /// <summary>Evicts until used memory is at most <paramref name="target"/>, <paramref name="maxKeys"/> were
    /// evicted, or the clock passes <paramref name="deadline"/> (a <see cref="Stopwatch"/> timestamp, read every 16
    /// evictions as Redis does); Exhausted when it stopped because no shard had anything the policy may evict.</summary>
    private (int Evicted, bool Exhausted) EvictDownTo(MemorySettings settings, long target, int maxKeys, long deadline)
    {
        int evicted = 0, misses = 0;
        // UsedMemory sums every shard's databases: counted down by what each eviction freed instead, and summed
        // again every 16 evictions for what other threads wrote meanwhile (the sum per eviction was 6 % of an
        // eviction-bound SET load).
        long used = UsedMemory;
        while (evicted < maxKeys && used > target)
        {
            var shard = _shards[Interlocked.Increment(ref _evictCursor) & (_shards.Length - 1)];
            if (EvictOne(shard, settings, out long freed))
            {
                evicted++;
                misses = 0;
                used -= freed;
                if ((evicted & 15) != 0) continue;
                if (deadline != long.MaxValue && Stopwatch.GetTimestamp() > deadline) break;
                used = UsedMemory;
            }
            else if (++misses >= _shards.Length * 2) return (evicted, true);
        }
        return (evicted, false);
    }

    /// <summary>Evicts one key of the shard chosen by the policy; false when it has none to give.
    /// <paramref name="freed"/>: the bytes its database's account went down by.</summary>
    private bool EvictOne(Shard shard, MemorySettings settings, out long freed)
    {
        freed = 0;
        lock (shard.Lock)
        {
            int ticks = Clock(NowMs());
            Database? db;
            byte[]? key;
            switch (settings.Policy)
            {
                case EvictionPolicy.AllKeysRandom:
                case EvictionPolicy.VolatileRandom:
                    key = PickRandom(shard, settings.Policy == EvictionPolicy.VolatileRandom, out db);
                    break;
                case EvictionPolicy.AllKeysSieve:
                    key = PickSieve(shard, out db);
                    break;
                case EvictionPolicy.AllKeysS3Fifo:
                    key = PickS3Fifo(shard, out db);
                    break;
                case EvictionPolicy.NoEviction:
                    return false;
                default:
                    key = PickFromPool(shard, settings, ticks, out db);
                    break;
            }
            if (key is null || db is null) return false;
            long before = db.Memory.Bytes;
            LogDelete(_evictionSession, db.Index, key)?.Raise(KeyspaceEventTypes.Evicted, "evicted"u8, db.Index, key);
            shard.EvictedKeys++;
            // Evicting runs before a command, never inside one: the table may move its entries now. Without this a
            // table's arrays stayed as large as the most keys it had held, a floor no eviction could get below.
            db.ShrinkIfSparse();
            freed = before - db.Memory.Bytes;
            return true;
        }
    }

    private static byte[]? PickRandom(Shard shard, bool volatileOnly, out Database? db)
    {
        int count = shard.DatabaseCount, start = Random.Shared.Next(count);
        for (int i = 0; i < count; i++)
        {
            db = shard.DbIfExists((start + i) % count);
            if (db is null || db.Count == 0) continue;
            if (volatileOnly)
            {
                if (db.TrySampleVolatile(Random.Shared, out var candidate)) return candidate;
                continue;
            }
            for (int tries = 0; tries < 4; tries++)
                if (db.SampleKey(Random.Shared, out _) is { } key) return key;
        }
        db = null;
        return null;
    }

    private static byte[]? PickSieve(Shard shard, out Database? db)
    {
        for (int i = 0; i < shard.DatabaseCount; i++)
        {
            db = shard.DbIfExists(i);
            if (db?.Sieve?.Evict(db.Table) is { } key) return key;
        }
        db = null;
        return null;
    }

    private static byte[]? PickS3Fifo(Shard shard, out Database? db)
    {
        for (int i = 0; i < shard.DatabaseCount; i++)
        {
            db = shard.DbIfExists(i);
            if (db?.S3Fifo?.Evict(db.Table) is { } key) return key;
        }
        db = null;
        return null;
    }

    /// <summary>Samples every database of the shard into its pool, then takes the best candidate that still
    /// exists, re-scoring it first (a pooled key read since it was sampled is put back with its new score).</summary>
    private static byte[]? PickFromPool(Shard shard, MemorySettings settings, int ticks, out Database? db)
    {
        bool volatileOnly = settings.Policy.VolatileOnly();
        var pool = shard.Pool;
        for (int i = 0; i < shard.DatabaseCount; i++)
        {
            var database = shard.DbIfExists(i);
            if (database is null || database.Count == 0 || (volatileOnly && database.VolatileCount == 0)) continue;
            for (int n = 0; n < settings.Samples; n++)
            {
                if (volatileOnly)
                {
                    if (!database.TrySampleVolatile(Random.Shared, out var key)) break;
                    ref Entry entry = ref database.Table.FindExact(key);
                    if (!Unsafe.IsNullRef(ref entry)) pool.Offer(database, key, -1, Score(ref entry, settings, ticks));
                }
                // A sampled slot's entry is read where it lies: looking the key up again cost a hash and its misses
                // per sample, the most expensive part of an eviction.
                else if (database.SampleKey(Random.Shared, out int slot) is { } key)
                    pool.Offer(database, key, slot, Score(ref database.Table.EntryAt(slot), settings, ticks));
            }
        }
        for (int rounds = 0; rounds < 4 * EvictionPool.Size && pool.TakeBest(out var candidateDb, out var candidate, out int slot, out long score); rounds++)
        {
            ref Entry entry = ref candidateDb.Table.FindExact(candidate, slot);
            if (Unsafe.IsNullRef(ref entry) || (volatileOnly && entry.ExpireAt == 0)) continue;
            long fresh = Score(ref entry, settings, ticks);
            if (fresh < score && fresh < pool.BestScore)
            {
                pool.Offer(candidateDb, candidate, slot, fresh);
                continue;
            }
            db = candidateDb;
            return candidate;
        }
        db = null;
        return null;
    }

    /// <summary>Higher = evict sooner.</summary>
    private static long Score(ref Entry entry, MemorySettings settings, int ticks)
    {
        long idle = Math.Max(0, unchecked(ticks - entry.LastAccess));
        switch (settings.Policy)
        {
            case EvictionPolicy.AllKeysLfu:
            case EvictionPolicy.VolatileLfu:
                // Least frequently used first; among equal counters, the least recently used.
                return ((long)(255 - AccessBits.Counter(entry.Access, ticks)) << 32) | Math.Min(idle, uint.MaxValue);
            case EvictionPolicy.VolatileTtl:
                return long.MaxValue - entry.ExpireAt;
            case EvictionPolicy.Session:
            {
                long age = Math.Max(0, unchecked(ticks - entry.Created));
                long idleLimit = (long)(settings.SessionIdleTimeout.TotalSeconds * AccessClock.Hz);
                long ageLimit = (long)(settings.SessionTtl.TotalSeconds * AccessClock.Hz);
                bool over = (idleLimit > 0 && idle >= idleLimit) || (ageLimit > 0 && age >= ageLimit);
                return (over ? 1L << 40 : 0) + idle;
            }
            default:
                return idle;
        }
    }
}
