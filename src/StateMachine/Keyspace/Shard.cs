namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// The keys of a fixed subset of hash slots. Its lock orders the log append and the apply of every write to its keys, so for
/// any key the log order is the apply order. Counters live here too: updated under the lock, no cache-line fights.
/// </summary>
public sealed class Shard(int index, int databases)
{
    private readonly Database?[] _dbs = new Database?[databases];

    public readonly Lock Lock = new();
    public int Index { get; } = index;
    public long Hits;
    public long Misses;
    public long ExpiredKeys;

    public Database Db(int db) => _dbs[db] ??= new Database();
    public Database? DbIfExists(int db) => _dbs[db];
    public void Swap(int a, int b) => (_dbs[a], _dbs[b]) = (_dbs[b], _dbs[a]);
}
