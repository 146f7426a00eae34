using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// The keys of a fixed subset of hash slots. Its lock orders the log append and the apply of every write to its keys, so for
/// any key the log order is the apply order. Counters live here too: updated under the lock, no cache-line fights.
/// </summary>
public sealed class Shard
{
    private readonly Database?[] _dbs;

    private readonly AccessClock _clock;
    private readonly ShardMemory _memory;

    public Shard(int index, int databases, bool keyspaceFilter = true, AccessClock? clock = null, MemoryTotal? total = null)
    {
        Index = index;
        _memory = new ShardMemory(total ?? new MemoryTotal());
        _clock = clock ?? new AccessClock();
        _dbs = new Database?[databases];
        if (keyspaceFilter) Filter = new KeyspaceFilter(Refill);
    }

    /// <summary>Which keys this shard may hold (null when switched off by cache.keyspace_filter).</summary>
    public KeyspaceFilter? Filter { get; }

    public readonly Lock Lock = new();
    public int Index { get; }
    public long Hits;
    public long Misses;
    public long ExpiredKeys;
    public long EvictedKeys;

    /// <summary>The best eviction candidates seen by sampling this shard (Redis's eviction pool).</summary>
    public readonly EvictionPool Pool = new();

    /// <summary>Bytes of every database of this shard (see <see cref="Database.Memory"/>); readable without the lock.</summary>
    public long UsedBytes => Volatile.Read(ref _memory.Bytes);

    public int DatabaseCount => _dbs.Length;

    public Database Db(int db) => _dbs[db] ??= new Database(Filter, db, _clock, _memory);
    public Database? DbIfExists(int db) => _dbs[db];

    public void Swap(int a, int b)
    {
        (_dbs[a], _dbs[b]) = (_dbs[b], _dbs[a]);
        if (_dbs[a] is { } first) first.Index = a;
        if (_dbs[b] is { } second) second.Index = b;
        if (a != b && (_dbs[a]?.Count > 0 || _dbs[b]?.Count > 0)) Filter?.Rebuild(); // the db number is in the hash
    }

    private void Refill(KeyspaceFilter filter)
    {
        foreach (var database in _dbs)
            database?.ForEachKey(key => filter.Add(database.Index, key));
    }
}
