using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

/// <summary>Active expiry, as Redis does it: sample keys that have a TTL, delete (and log) the expired ones, and
/// go again while more than a tenth of a sample had expired, within a time budget.</summary>
public sealed partial class Store
{
    private readonly Session _expirySession = new();
    private readonly Random _expiryRandom = new();
    private volatile bool _deletionsPaused;

    /// <summary>While clients are paused (CLIENT PAUSE) the data set stays still, as in Redis: active expiry and
    /// eviction log no deletes (an expired key still reads as missing: reads never delete).</summary>
    public bool DeletionsPaused { get => _deletionsPaused; set => _deletionsPaused = value; }

    /// <summary>Redis's budget for a cycle at hz 10: a quarter of its 100 ms period.</summary>
    public static readonly TimeSpan DefaultExpireBudget = TimeSpan.FromMilliseconds(25);

    private int _expiryNextShard; // where the next cycle starts: the shard the last one's budget ran out in

    /// <summary>
    /// One cycle: for each shard and database, sample <paramref name="samples"/> keys that have a TTL and delete
    /// (and log) the expired ones, again while more than a tenth of a sample had expired (Redis's acceptable stale
    /// share), for at most <paramref name="budget"/> in all (default <see cref="DefaultExpireBudget"/>) but one
    /// sample at least; the next cycle starts in the shard this one stopped in. Each sample takes the shard lock on its own, so commands on
    /// that shard wait for one sample at most. Returns how many keys it expired.
    /// </summary>
    public int ExpireCycle(TimeSpan? budget = null, int samples = 20)
    {
        if (_deletionsPaused) return 0;
        TickAccessClock();
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp()
            + (long)((budget ?? DefaultExpireBudget).TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        int expired = 0, start = _expiryNextShard % _shards.Length;
        bool sampled = false; // a cycle takes one sample at least, whatever its budget
        for (int k = 0; k < _shards.Length; k++)
        {
            int index = (start + k) % _shards.Length;
            for (int db = 0; db < Databases; db++)
            {
                int found;
                do
                {
                    if (sampled && System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                    {
                        _expiryNextShard = index;
                        return expired;
                    }
                    found = ExpireSample(_shards[index], db, samples);
                    sampled |= found >= 0;
                    expired += Math.Max(found, 0);
                } while (found * 10 > samples);
            }
        }
        _expiryNextShard = (start + 1) % _shards.Length; // a full pass: the next one starts one shard further on
        return expired;
    }

    /// <summary>Samples up to <paramref name="samples"/> keys with a TTL in one shard's database and deletes the
    /// expired ones; -1 when it has none.</summary>
    private int ExpireSample(Shard shard, int db, int samples)
    {
        lock (shard.Lock)
        {
            var database = shard.DbIfExists(db);
            if (database is null || database.VolatileCount == 0) return -1;
            _expirySession.Db = db;
            long now = NowMs();
            int found = 0;
            for (int i = 0; i < samples && database.TrySampleVolatile(_expiryRandom, out var candidate); i++)
            {
                ref Entry entry = ref database.Find(candidate);
                if (!entry.IsExpired(now)) continue;
                LogDelete(_expirySession, db, candidate)?.Raise(KeyspaceEventTypes.Expired, "expired"u8, db, candidate);
                shard.ExpiredKeys++;
                found++;
            }
            return found;
        }
    }
}
