using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>Prefetch hints (<see cref="KeyHint"/>): the RESP pipeline's look-ahead and replay's.</summary>
public sealed partial class Store
{
    /// <summary>
    /// Stage 1 of a look-ahead for a command that will use <paramref name="key"/> in <paramref name="db"/>: its
    /// bucket is fetched into the cache, and the hint carries what the later stages need. No lock is taken and
    /// nothing changes; a key whose database does not exist yet gives an empty hint.
    /// </summary>
    public KeyHint HintKey(int db, ReadOnlySpan<byte> key)
    {
        if ((uint)db >= (uint)Databases) return default;
        return Hint(ShardOf(key).DbIfExists(db)?.Table, key);
    }

    /// <summary>As <see cref="HintKey(int, ReadOnlySpan{byte})"/>, for a command that names a member of the set or
    /// hash at <paramref name="key"/> (SADD, SISMEMBER, HSET, HGET...), or of the sorted set with
    /// <paramref name="sortedSet"/> (ZADD, ZSCORE...): <see cref="KeyHint.Element"/> can go on into its table.</summary>
    public KeyHint HintKey(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member, bool sortedSet = false)
    {
        var hint = HintKey(db, key);
        return sortedSet
            ? new KeyHint(hint.Table, hint.Hash, MemberTable.Hash(member), KeyHint.MemberKind.SortedSet)
            : new KeyHint(hint.Table, hint.Hash, KeyTable.Hash(member), KeyHint.MemberKind.Element);
    }

    /// <summary>
    /// Stage 1 of replay's look-ahead (<see cref="Snapshots.ReplayPrefetch"/>) for a one-key event ([db, key, ...])
    /// on shard <paramref name="shard"/> (<see cref="ShardIndexOf"/> of its key): as <see cref="HintKey"/>, but the
    /// shard is known and the key is read from the event. An empty hint when that database does not exist yet or
    /// the body is not of that form. Call it only on the thread that applies to that shard.
    /// </summary>
    internal KeyHint HintEvent(int shard, ReadOnlySpan<byte> body)
    {
        try
        {
            var r = new EventReader(body);
            if (r.ReadArrayHeader() < 2) return default;
            int db = r.ReadInt32();
            var key = r.ReadBytes();
            if ((uint)db >= (uint)Databases || (uint)shard >= (uint)_shards.Length) return default;
            return Hint(_shards[shard].DbIfExists(db)?.Table, key);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentOutOfRangeException or OverflowException)
        {
            return default; // not ours to judge: Apply reports a bad event
        }
    }

    /// <summary>Fetches the key's bucket in <paramref name="table"/> and returns what the later stages need.</summary>
    private static KeyHint Hint(KeyTable? table, ReadOnlySpan<byte> key)
    {
        if (table is null) return default;
        uint hash = KeyTable.Hash(key);
        table.PrefetchBucket(hash);
        return new KeyHint(table, hash);
    }
}
