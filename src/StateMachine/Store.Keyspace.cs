using System.IO.Hashing;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

public readonly record struct DbInfo(int Db, long Keys, long Expires);

/// <summary>Whole-keyspace commands: iteration, sizes, flushes, and the state digest.</summary>
public sealed partial class Store
{
    /// <summary>KEYS: every live key matching the glob, walked slot by slot.</summary>
    public List<byte[]> Keys(Session session, ReadOnlySpan<byte> pattern)
    {
        var result = new List<byte[]>();
        for (int slot = 0; slot < Slots.Count; slot++) CollectSlot(session.Db, slot, pattern, null, result);
        return result;
    }

    /// <summary>
    /// SCAN: the cursor is a hash slot. Each call returns whole slots until <paramref name="count"/> keys are in
    /// hand, so a key present for the whole iteration is returned exactly once, however the keyspace changes.
    /// </summary>
    public long Scan(Session session, long cursor, ReadOnlySpan<byte> pattern, int count, string? type, List<byte[]> result)
    {
        if (cursor < 0 || cursor >= Slots.Count) return 0;
        int slot = (int)cursor;
        while (slot < Slots.Count && result.Count < count) CollectSlot(session.Db, slot++, pattern, type, result);
        return slot >= Slots.Count ? 0 : slot;
    }

    private void CollectSlot(int db, int slot, ReadOnlySpan<byte> pattern, string? type, List<byte[]> result)
    {
        var shard = _shards[slot & (_shards.Length - 1)];
        bool all = pattern.Length == 1 && pattern[0] == '*';
        long now = NowMs();
        lock (shard.Lock)
        {
            var table = shard.DbIfExists(db)?.Table(slot >> _shardBits);
            if (table is null) return;
            foreach (var (key, entry) in table)
            {
                if (entry.IsExpired(now)) continue;
                if (type != null && TypeName(entry.Value) != type) continue;
                if (all || Glob.Match(pattern, key)) result.Add(key);
            }
        }
    }

    public byte[]? RandomKey(Session session)
    {
        long now = NowMs();
        int start = Random.Shared.Next(Slots.Count);
        for (int n = 0; n < Slots.Count; n++)
        {
            int slot = (start + n) & (Slots.Count - 1);
            var shard = _shards[slot & (_shards.Length - 1)];
            lock (shard.Lock)
            {
                var table = shard.DbIfExists(session.Db)?.Table(slot >> _shardBits);
                if (table is null || table.Count == 0) continue;
                int skip = Random.Shared.Next(table.Count);
                byte[]? fallback = null;
                foreach (var (key, entry) in table)
                {
                    if (entry.IsExpired(now)) continue;
                    fallback = key;
                    if (skip-- <= 0) return key;
                }
                if (fallback != null) return fallback;
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
                for (int local = 0; local < database.TableCount; local++)
                {
                    var table = database.Table(local);
                    if (table is null) continue;
                    foreach (var (key, entry) in table)
                    {
                        var hash = new XxHash3();
                        BitConverter.TryWriteBytes(meta, db);
                        BitConverter.TryWriteBytes(meta[4..], key.Length);
                        BitConverter.TryWriteBytes(meta[8..], entry.ExpireAt);
                        hash.Append(meta);
                        hash.Append(key);
                        hash.Append(System.Text.Encoding.ASCII.GetBytes(TypeName(entry.Value)));
                        if (entry.Value is byte[] bytes) hash.Append(bytes);
                        digest += hash.GetCurrentHashAsUInt64();
                    }
                }
            }
        }
        return digest;
    }
}
