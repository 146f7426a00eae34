using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

/// <summary>Active expiry, as Redis does it: sample keys that have a TTL, delete (and log) the expired ones, and
/// go again while more than a quarter of a sample had expired, within a time budget.</summary>
public sealed partial class Store
{
    private readonly Session _expirySession = new();
    private readonly Random _expiryRandom = new();
    private volatile bool _deletionsPaused;

    /// <summary>While clients are paused (CLIENT PAUSE) the data set stays still, as in Redis: active expiry and
    /// eviction log no deletes (an expired key still reads as missing: reads never delete).</summary>
    public bool DeletionsPaused { get => _deletionsPaused; set => _deletionsPaused = value; }

    /// <summary>One cycle over every shard and database; returns how many keys it expired.</summary>
    public int ExpireCycle(int samples = 20, int maxRounds = 16)
    {
        if (_deletionsPaused) return 0;
        TickAccessClock();
        int expired = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                long now = NowMs();
                for (int db = 0; db < Databases; db++)
                {
                    var database = shard.DbIfExists(db);
                    if (database is null || database.VolatileCount == 0) continue;
                    _expirySession.Db = db;
                    for (int round = 0; round < maxRounds; round++)
                    {
                        int found = 0;
                        for (int i = 0; i < samples && database.TrySampleVolatile(_expiryRandom, out var candidate); i++)
                        {
                            ref Entry entry = ref database.Find(candidate);
                            if (!entry.IsExpired(now)) continue;
                            LogDelete(_expirySession, db, candidate)?.Raise(KeyspaceEventTypes.Expired, "expired"u8, db, candidate);
                            shard.ExpiredKeys++;
                            found++;
                        }
                        expired += found;
                        if (found * 4 <= samples) break;
                    }
                }
            }
        }
        return expired;
    }
}
