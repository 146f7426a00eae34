using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>What the hash and set commands share: reading a collection, counting it after a write.</summary>
public sealed partial class Store
{
    /// <summary>The live value at the key (any type), counting the read as a hit or a miss (under the shard's lock).</summary>
    private object? ReadCollection(Session session, Shard shard, ReadOnlySpan<byte> key)
    {
        long now = NowMs();
        ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
        if (Unsafe.IsNullRef(ref entry))
        {
            shard.Misses++;
            NotifyMiss(session, key);
            return null;
        }
        shard.Hits++;
        Touch(ref entry, Clock(now));
        return entry.Value;
    }

    /// <summary>Elements in the collection at the key as it is now (after an apply), 0 when absent.</summary>
    private static long CollectionCount(Shard shard, int db, ReadOnlySpan<byte> key)
    {
        var database = shard.DbIfExists(db);
        if (database is null) return 0;
        ref Entry entry = ref database.Find(key);
        return Unsafe.IsNullRef(ref entry) ? 0 : (entry.Value as CollectionValue)?.Count ?? 0;
    }

    /// <summary>The collection at the key, for tests of values (rebuild events); not for use outside the lock.</summary>
    internal CollectionValue? CollectionForTests(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadCollection(session, shard, key) as CollectionValue;
    }
}
