namespace HyperCache.StateMachine;

/// <summary>One database's share of <see cref="Store.UsedMemory"/>, summed over the shards (MEMORY STATS).</summary>
/// <param name="TableBytes">The key tables' arrays: Redis's overhead.hashtable.main.</param>
/// <param name="VolatileBytes">The volatile lists' arrays: Redis's overhead.hashtable.expires.</param>
/// <param name="Bytes">Everything the database costs (tables, keys, values).</param>
public readonly record struct DatabaseMemory(int Db, long Keys, long Volatile, long TableBytes, long VolatileBytes, long Bytes);

public sealed partial class Store
{
    /// <summary>The databases that hold keys, with what their structures cost, from the same accounts as
    /// <see cref="UsedMemory"/> (each shard read under its lock, so a database's numbers agree with each other).</summary>
    public List<DatabaseMemory> MemoryByDatabase()
    {
        var totals = new DatabaseMemory[Databases];
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                for (int db = 0; db < Databases; db++)
                {
                    if (shard.DbIfExists(db) is not { } d) continue;
                    var t = totals[db];
                    totals[db] = new DatabaseMemory(db, t.Keys + d.Count, t.Volatile + d.VolatileCount,
                        t.TableBytes + d.TableBytes, t.VolatileBytes + d.VolatileBytes, t.Bytes + d.Memory.Bytes);
                }
            }
        }
        var result = new List<DatabaseMemory>();
        foreach (var t in totals)
            if (t.Keys > 0) result.Add(t);
        return result;
    }
}
