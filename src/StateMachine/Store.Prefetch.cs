using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

public sealed partial class Store
{
    /// <summary>
    /// The key table a one-key event ([db, key, ...]) on shard <paramref name="shard"/> (<see cref="ShardIndexOf"/>
    /// of its key) will look its key up in, and the key's hash, for replay's prefetch
    /// (<see cref="Snapshots.ReplayPrefetch"/>); null when that database does not exist yet or the body is not of
    /// that form. Call it only on the thread that applies to that shard.
    /// </summary>
    internal KeyTable? TableFor(int shard, ReadOnlySpan<byte> body, out uint hash)
    {
        hash = 0;
        try
        {
            var r = new EventReader(body);
            if (r.ReadArrayHeader() < 2) return null;
            int db = r.ReadInt32();
            var key = r.ReadBytes();
            if ((uint)db >= (uint)Databases || (uint)shard >= (uint)_shards.Length) return null;
            hash = KeyTable.Hash(key);
            return _shards[shard].DbIfExists(db)?.Table;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentOutOfRangeException or OverflowException)
        {
            return null; // not ours to judge: Apply reports a bad event
        }
    }
}

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
        var table = ShardOf(key).DbIfExists(db)?.Table;
        if (table is null) return default;
        uint hash = KeyTable.Hash(key);
        table.PrefetchBucket(hash);
        return new KeyHint(table, hash);
    }
}
