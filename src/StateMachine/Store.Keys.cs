using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

[Flags]
public enum ExpireCondition { None = 0, IfNoTtl = 1, IfHasTtl = 2, IfGreater = 4, IfLess = 8 }

public enum RenameResult { Renamed, DestinationExists, NoSource }

/// <summary>Generic key commands: existence, TTLs, renames, copies.</summary>
public sealed partial class Store
{
    /// <summary>DEL/UNLINK of keys args[first..]: one event for all of them, under all their shards' locks.</summary>
    public int Delete<TArgs>(Session session, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        using var locks = LockKeys(args, first, 1, stackalloc ulong[MaskWords]);
        int present = 0, live = 0;
        Span<bool> chosen = args.Count <= 256 ? stackalloc bool[args.Count] : new bool[args.Count];
        Span<bool> expired = args.Count <= 256 ? stackalloc bool[args.Count] : new bool[args.Count];
        for (int i = first; i < args.Count; i++)
        {
            var key = args[i];
            var shard = ShardOf(key);
            var database = shard.DbIfExists(session.Db);
            if (database is null) continue;
            ref Entry entry = ref database.Find(key);
            if (Unsafe.IsNullRef(ref entry) || SeenBefore(args, first, i, chosen)) continue;
            chosen[i] = true;
            present++;
            if (!entry.IsExpired(now)) live++;
            else
            {
                shard.ExpiredKeys++;
                expired[i] = true;
            }
        }
        if (present == 0) return 0;
        var buffer = EventBuffer.Start(EventKind.Delete);
        buffer.WriteArrayHeader(1 + present);
        buffer.Write(session.Db);
        for (int i = first; i < args.Count; i++)
            if (chosen[i]) buffer.Write(args[i]);
        if (LogAndApply(session, buffer) is { } notify)
        {
            // As Redis: a key that had expired is reported expired (its lookup deletes it), the others deleted.
            for (int i = first; i < args.Count; i++)
                if (chosen[i]) notify.Raise(expired[i] ? KeyspaceEventTypes.Expired : KeyspaceEventTypes.Generic, expired[i] ? "expired"u8 : "del"u8, session.Db, args[i]);
        }
        return live;
    }

    private static bool SeenBefore<TArgs>(TArgs args, int first, int index, Span<bool> chosen) where TArgs : IKeyList, allows ref struct
    {
        for (int j = first; j < index; j++)
            if (chosen[j] && args[j].SequenceEqual(args[index])) return true;
        return false;
    }

    /// <summary>EXISTS (and TOUCH, which also refreshes the access time): every occurrence counts.</summary>
    public int CountExisting<TArgs>(Session session, TArgs args, int first, bool touch) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        int clock = Clock(now), count = 0;
        for (int i = first; i < args.Count; i++)
        {
            var key = args[i];
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
                if (Unsafe.IsNullRef(ref entry))
                {
                    NotifyMiss(session, key);
                    continue;
                }
                count++;
                if (touch) Touch(ref entry, clock);
            }
        }
        return count;
    }

    /// <summary>EXPIRE family with an absolute time. A time in the past deletes the key, as in Redis.</summary>
    public bool Expire(Session session, ReadOnlySpan<byte> key, long expireAt, ExpireCondition condition)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            if (Unsafe.IsNullRef(ref entry)) return false;
            long current = entry.ExpireAt; // 0 = no TTL = infinitely far
            if ((condition & ExpireCondition.IfNoTtl) != 0 && current != 0) return false;
            if ((condition & ExpireCondition.IfHasTtl) != 0 && current == 0) return false;
            if ((condition & ExpireCondition.IfGreater) != 0 && (current == 0 || expireAt <= current)) return false;
            if ((condition & ExpireCondition.IfLess) != 0 && current != 0 && expireAt >= current) return false;
            if (expireAt <= now) LogDelete(session, session.Db, key)?.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, key);
            else LogExpire(session, key, expireAt)?.Raise(KeyspaceEventTypes.Generic, "expire"u8, session.Db, key);
            return true;
        }
    }

    /// <summary>The key's absolute expiry: Unix ms, -1 when it has none, -2 when the key does not exist.</summary>
    public long ExpiryOf(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
            if (Unsafe.IsNullRef(ref entry))
            {
                NotifyMiss(session, key);
                return -2;
            }
            return entry.ExpireAt == 0 ? -1 : entry.ExpireAt;
        }
    }

    public bool Persist(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            if (Unsafe.IsNullRef(ref entry) || entry.ExpireAt == 0) return false;
            LogExpire(session, key, 0)?.Raise(KeyspaceEventTypes.Generic, "persist"u8, session.Db, key);
            return true;
        }
    }

    /// <summary>The Redis type name of the key's value, or "none".</summary>
    public string TypeOf(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
            if (!Unsafe.IsNullRef(ref entry)) return TypeName(entry.Value);
            NotifyMiss(session, key);
            return "none";
        }
    }

    /// <summary>OBJECT ENCODING: Redis's name for how the value is held, or null when the key is absent.</summary>
    public string? EncodingOf(Session session, ReadOnlySpan<byte> key) => Describe(session, key)?.Encoding;

    internal static string TypeName(object value) => value switch
    {
        byte[] or Values.StringBuffer => "string",
        Values.CollectionValue collection => collection.TypeName,
        _ => "none",
    };

    /// <summary>Seconds since the key was last read or written, or -1 when absent (OBJECT IDLETIME).</summary>
    public long IdleSeconds(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
            return Unsafe.IsNullRef(ref entry) ? -1 : Math.Max(0, Clock(now) - entry.LastAccess) / AccessClock.Hz;
        }
    }

    public RenameResult Rename(Session session, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, bool onlyIfAbsent)
    {
        long now = NowMs();
        using var locks = LockKeys(source, destination, stackalloc ulong[MaskWords]);
        var sourceShard = ShardOf(source);
        if (Unsafe.IsNullRef(ref LiveForWrite(session, sourceShard, source, now))) return RenameResult.NoSource;
        if (source.SequenceEqual(destination)) return onlyIfAbsent ? RenameResult.DestinationExists : RenameResult.Renamed;
        var destinationShard = ShardOf(destination);
        bool destinationExists = !Unsafe.IsNullRef(ref LiveForWrite(session, destinationShard, destination, now));
        if (onlyIfAbsent && destinationExists) return RenameResult.DestinationExists;
        var buffer = EventBuffer.Start(EventKind.Rename);
        buffer.WriteArrayHeader(3);
        buffer.Write(session.Db);
        buffer.Write(source);
        buffer.Write(destination);
        if (LogAndApply(session, buffer) is { } notify)
        {
            notify.Raise(KeyspaceEventTypes.Generic, "rename_from"u8, session.Db, source);
            notify.Raise(KeyspaceEventTypes.Generic, "rename_to"u8, session.Db, destination);
        }
        return RenameResult.Renamed;
    }

    /// <summary>COPY; false when the source is missing or the destination exists and <paramref name="replace"/> is off.</summary>
    public bool Copy(Session session, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, int destinationDb, bool replace)
    {
        long now = NowMs();
        using var locks = LockKeys(source, destination, stackalloc ulong[MaskWords]);
        var sourceShard = ShardOf(source);
        if (Unsafe.IsNullRef(ref LiveForWrite(session, sourceShard, source, now))) return false;
        var destinationShard = ShardOf(destination);
        ref Entry target = ref Live(destinationShard.DbIfExists(destinationDb), destination, now);
        if (!Unsafe.IsNullRef(ref target) && !replace) return false;
        var buffer = EventBuffer.Start(EventKind.Copy);
        buffer.WriteArrayHeader(4);
        buffer.Write(session.Db);
        buffer.Write(source);
        buffer.Write(destinationDb);
        buffer.Write(destination);
        LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.Generic, "copy_to"u8, destinationDb, destination);
        return true;
    }
}
