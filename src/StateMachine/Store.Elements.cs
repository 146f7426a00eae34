using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>What the hash and set commands share: reading a collection, counting it after a write, random picks.</summary>
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

    private static void AllIndices(ElementTable table, List<int> indices)
    {
        for (int i = 0; i < table.Capacity; i++)
            if (table.KeyAt(i) != null) indices.Add(i);
    }

    private static void PickWithRepetition(ElementTable table, long count, List<int> picked)
    {
        for (long i = 0; i < count; i++) picked.Add(table.RandomIndex(Random.Shared));
    }

    /// <summary><paramref name="count"/> distinct random elements (fewer than the table holds), in random order.</summary>
    private static void PickDistinct(ElementTable table, int count, List<int> picked)
    {
        if (count * 3L > table.Count)
        {
            // Many of them: a partial shuffle of all the indices.
            AllIndices(table, picked);
            for (int i = 0; i < count; i++)
            {
                int j = Random.Shared.Next(i, picked.Count);
                (picked[i], picked[j]) = (picked[j], picked[i]);
            }
            picked.RemoveRange(count, picked.Count - count);
            return;
        }
        var seen = new HashSet<int>();
        while (picked.Count < count)
        {
            int index = table.RandomIndex(Random.Shared);
            if (seen.Add(index)) picked.Add(index);
        }
    }

    /// <summary>The collection at the key, for tests of values (rebuild events); not for use outside the lock.</summary>
    internal CollectionValue? CollectionForTests(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadCollection(session, shard, key) as CollectionValue;
    }
}
