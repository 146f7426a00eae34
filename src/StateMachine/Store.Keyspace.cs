using System.Runtime.CompilerServices;
using System.IO.Hashing;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

public readonly record struct DbInfo(int Db, long Keys, long Expires);

/// <summary>Whole-keyspace commands: iteration, sizes, flushes, and the state digest.</summary>
public sealed partial class Store
{
    /// <summary>KEYS: every live key matching the glob.</summary>
    public List<byte[]> Keys(Session session, ReadOnlySpan<byte> pattern)
    {
        var result = new List<byte[]>();
        foreach (var shard in _shards) Collect(shard, session.Db, int.MaxValue, int.MaxValue, pattern, null, result);
        return result;
    }

    /// <summary>
    /// SCAN. Shard by shard, each key table walked from its top slot down; the cursor is (slot index + 1) × shards +
    /// shard, the slot to go on from (a shard not begun yet: its top). A slot keeps its index for as long as its key
    /// lives, and a table that shrinks moves keys only to lower indices (<see cref="KeyTable.ShrinkIfSparse"/>), so
    /// a key present for the whole iteration is returned, exactly once unless its table shrank meanwhile (Redis
    /// allows duplicates). 0 starts and ends an iteration, as in Redis.
    /// </summary>
    public long Scan(Session session, long cursor, ReadOnlySpan<byte> pattern, int count, string? type, List<byte[]> result)
    {
        if (cursor < 0) return 0;
        int shardIndex = (int)(cursor & (_shards.Length - 1));
        long position = cursor >> _shardBits;  // slot + 1; 0: the shard's top
        int from = position == 0 || position > int.MaxValue ? int.MaxValue : (int)position - 1;
        while (shardIndex < _shards.Length)
        {
            int next = Collect(_shards[shardIndex], session.Db, from, count - result.Count, pattern, type, result);
            if (next >= 0) return ((long)(next + 1) << _shardBits) | (uint)shardIndex;
            shardIndex++;
            from = int.MaxValue;
        }
        return 0;
    }

    /// <summary>Adds live matching keys from table slot <paramref name="from"/> (or the top slot, when above it)
    /// downwards, until <paramref name="max"/> were seen; returns the slot index to go on from, or -1 when the
    /// table is done.</summary>
    private int Collect(Shard shard, int db, int from, int max, ReadOnlySpan<byte> pattern, string? type, List<byte[]> result)
    {
        bool all = pattern.Length == 1 && pattern[0] == '*';
        long now = NowMs();
        lock (shard.Lock)
        {
            var database = shard.DbIfExists(db);
            if (database is null) return -1;
            var table = database.Table;
            int seen = 0;
            for (int i = Math.Min(from, table.Capacity - 1); i >= 0; i--)
            {
                if (seen >= max) return i;
                var key = table.KeyAt(i);
                if (key is null) continue;
                seen++;
                ref Entry entry = ref table.EntryAt(i);
                if (entry.IsExpired(now)) continue;
                if (type != null && TypeName(entry.Value) != type) continue;
                if (all || Glob.Match(pattern, key)) result.Add(key);
            }
            return -1;
        }
    }

    public byte[]? RandomKey(Session session)
    {
        long now = NowMs();
        int start = Random.Shared.Next(_shards.Length);
        for (int n = 0; n < _shards.Length; n++)
        {
            var shard = _shards[(start + n) & (_shards.Length - 1)];
            lock (shard.Lock)
            {
                var table = shard.DbIfExists(session.Db)?.Table;
                if (table is null || table.Count == 0) continue;
                // Probe from a random slot; bounded, then fall back to a walk so expired keys cannot hide live ones.
                int capacity = table.Capacity;
                int probe = Random.Shared.Next(capacity);
                for (int i = 0; i < capacity; i++)
                {
                    int at = (probe + i) % capacity;
                    var key = table.KeyAt(at);
                    if (key != null && !table.EntryAt(at).IsExpired(now)) return key;
                }
            }
        }
        return null;
    }

    /// <summary>Keys in the database, counting expired ones not yet reclaimed (as Redis's DBSIZE does).</summary>
    public long DbSize(int db)
    {
        long total = 0;
        foreach (var shard in _shards)
            lock (shard.Lock) total += shard.DbIfExists(db)?.Count ?? 0;
        return total;
    }

    public List<DbInfo> KeyspaceInfo()
    {
        var info = new List<DbInfo>();
        for (int db = 0; db < Databases; db++)
        {
            long keys = 0, expires = 0;
            foreach (var shard in _shards)
            {
                lock (shard.Lock)
                {
                    var database = shard.DbIfExists(db);
                    keys += database?.Count ?? 0;
                    expires += database?.VolatileCount ?? 0;
                }
            }
            if (keys > 0) info.Add(new DbInfo(db, keys, expires));
        }
        return info;
    }

    public (long Hits, long Misses, long Expired) Counters()
    {
        long hits = 0, misses = 0, expired = 0;
        foreach (var shard in _shards)
        {
            hits += Volatile.Read(ref shard.Hits);
            misses += Volatile.Read(ref shard.Misses);
            expired += Volatile.Read(ref shard.ExpiredKeys);
        }
        return (hits, misses, expired);
    }

    public void FlushDb(Session session, int db)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        LogDbEvent(session, EventKind.FlushDb, db);
    }

    public void FlushAll(Session session)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        LogDbEvent(session, EventKind.FlushAll, -1);
    }

    public void SwapDb(Session session, int a, int b)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        LogDbEvent(session, EventKind.SwapDb, a, b);
    }

    /// <summary>DEBUG DIGEST-VALUE: Redis's digest of the key's value (<see cref="Values.RedisValueDigest"/>), expired or
    /// not, as Redis reads the key without its expiry check; 20 zero bytes when there is no key.</summary>
    public byte[] RedisDigestValue(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            if (shard.DbIfExists(session.Db) is not { } db) return new byte[20];
            ref Entry entry = ref db.Find(key);
            return Unsafe.IsNullRef(ref entry) || entry.Value is null ? new byte[20] : Values.RedisValueDigest.Of(entry.Value, entry.ExpireAt != 0);
        }
    }

    /// <summary>
    /// An order-independent hash of the whole state (db, key, type, value, expiry of every key, expired or not):
    /// two stores that applied the same events have the same digest. Used to check replay against live state.
    /// </summary>
    public ulong Digest()
    {
        ulong digest = 0;
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        Span<byte> meta = stackalloc byte[16];
        foreach (var shard in _shards)
        {
            for (int db = 0; db < Databases; db++)
            {
                var database = shard.DbIfExists(db);
                if (database is null) continue;
                var table = database.Table;
                for (int i = 0; i < table.Capacity; i++)
                {
                    var key = table.KeyAt(i);
                    if (key is null) continue;
                    ref Entry entry = ref table.EntryAt(i);
                    var hash = new XxHash3();
                    BitConverter.TryWriteBytes(meta, db);
                    BitConverter.TryWriteBytes(meta[4..], key.Length);
                    BitConverter.TryWriteBytes(meta[8..], entry.ExpireAt);
                    hash.Append(meta);
                    hash.Append(key);
                    hash.Append(System.Text.Encoding.ASCII.GetBytes(TypeName(entry.Value)));
                    if (entry.Value is byte[] bytes) hash.Append(bytes);
                    else if (entry.Value is Values.StringBuffer buffer) hash.Append(buffer.Span);
                    else if (entry.Value is Values.CollectionValue collection) collection.AppendDigest(hash);
                    digest += hash.GetCurrentHashAsUInt64();
                }
            }
        }
        return digest + LibrariesDigest();
    }
}
