using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

/// <summary>Shared pieces of the command methods: finding live entries and logging the common events.</summary>
public sealed partial class Store
{
    /// <summary>The key's entry as the log has it, expired or not (Apply never reads the clock), else a null
    /// reference.</summary>
    private static ref Entry FindIn(Shard shard, int db, ReadOnlySpan<byte> key)
    {
        var database = shard.DbIfExists(db);
        if (database is null) return ref Unsafe.NullRef<Entry>();
        return ref database.Find(key);
    }

    /// <summary>The key's entry if present and not expired, else a null reference. Reads only.</summary>
    private static ref Entry Live(Database? database, ReadOnlySpan<byte> key, long now)
    {
        if (database is null) return ref Unsafe.NullRef<Entry>();
        ref Entry entry = ref database.Find(key);
        if (!Unsafe.IsNullRef(ref entry) && entry.IsExpired(now)) return ref Unsafe.NullRef<Entry>();
        return ref entry;
    }

    /// <summary>
    /// For writes: the key's live entry, after logging the delete of an expired one. A write must not build on a
    /// value that has expired, and since <see cref="Apply"/> never reads the clock, the expiry has to be an event.
    /// </summary>
    private ref Entry LiveForWrite(Session session, Shard shard, ReadOnlySpan<byte> key, long now)
    {
        var database = shard.DbIfExists(session.Db);
        if (database is null) return ref Unsafe.NullRef<Entry>();
        ref Entry entry = ref database.Find(key);
        if (Unsafe.IsNullRef(ref entry) || !entry.IsExpired(now)) return ref entry;
        LogDelete(session, session.Db, key)?.Raise(KeyspaceEventTypes.Expired, "expired"u8, session.Db, key);
        shard.ExpiredKeys++;
        return ref Unsafe.NullRef<Entry>();
    }

    /// <summary>The string at the entry (an exact array or an APPEND-grown <see cref="Values.StringBuffer"/>);
    /// WRONGTYPE for another type. Valid only under the shard lock: the bytes may be overwritten in place after.</summary>
    private static ReadOnlySpan<byte> AsString(ref Entry entry) => StringSpan(entry.Value);

    internal static ReadOnlySpan<byte> StringSpan(object value) => value switch
    {
        byte[] bytes => bytes,
        Values.StringBuffer buffer => buffer.Span,
        _ => throw CommandError.WrongType(),
    };

    /// <summary>The string's bytes where they lie (valid, like <see cref="StringSpan"/>, only under the shard lock);
    /// WRONGTYPE for another type.</summary>
    internal static ReadOnlyMemory<byte> StringMemory(object value) => value switch
    {
        byte[] bytes => bytes,
        Values.StringBuffer buffer => buffer.Buffer.AsMemory(0, buffer.Length),
        _ => throw CommandError.WrongType(),
    };

    /// <summary>The string as an array of exactly its length: the stored one, or a copy of one with room (for the
    /// code that needs an array: HyperLogLogs, whose count cache is keyed by it, and a value handed out once deleted).</summary>
    private static byte[] ExactString(object value) => value as byte[] ?? StringSpan(value).ToArray();

    private KeyspaceNotifier? LogSet(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expireAt)
    {
        var buffer = EventBuffer.Start(EventKind.Set);
        buffer.WriteArrayHeader(4);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(value);
        buffer.Write(expireAt);
        return LogAndApply(session, buffer);
    }

    private KeyspaceNotifier? LogDelete(Session session, int db, ReadOnlySpan<byte> key)
    {
        var buffer = EventBuffer.Start(EventKind.Delete);
        buffer.WriteArrayHeader(2);
        buffer.Write(db);
        buffer.Write(key);
        return LogAndApply(session, buffer);
    }

    /// <summary>A *STORE command with an empty result (SINTERSTORE, ZRANGESTORE, SORT ... STORE...): the destination
    /// is deleted when it exists, logged and published as "del", as Redis does.</summary>
    private void DeleteStoreDestination(Session session, ReadOnlySpan<byte> destination)
    {
        var database = ShardOf(destination).DbIfExists(session.Db);
        if (database is not null && !Unsafe.IsNullRef(ref database.Find(destination)))
            LogDelete(session, session.Db, destination)?.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, destination);
    }

    private KeyspaceNotifier? LogExpire(Session session, ReadOnlySpan<byte> key, long expireAt)
    {
        var buffer = EventBuffer.Start(EventKind.Expire);
        buffer.WriteArrayHeader(3);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(expireAt);
        return LogAndApply(session, buffer);
    }

    /// <summary>Logs and applies [db, key, args[first], args[first+1]...]: the shape of SADD- and HSET-like events.</summary>
    private KeyspaceNotifier? LogKeyAndArgs<TArgs>(Session session, EventKind kind, ReadOnlySpan<byte> key, TArgs args, int first)
        where TArgs : IKeyList, allows ref struct
    {
        var buffer = EventBuffer.Start(kind);
        buffer.WriteArrayHeader(2 + args.Count - first);
        buffer.Write(session.Db);
        buffer.Write(key);
        for (int i = first; i < args.Count; i++) buffer.Write(args[i]);
        return LogAndApply(session, buffer);
    }

    private KeyspaceNotifier? LogKeyAndBytes(Session session, EventKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> bytes)
    {
        var buffer = EventBuffer.Start(kind);
        buffer.WriteArrayHeader(3);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(bytes);
        return LogAndApply(session, buffer);
    }

    private KeyspaceNotifier? LogDbEvent(Session session, EventKind kind, int a, int b = -1)
    {
        var buffer = EventBuffer.Start(kind);
        int count = a < 0 ? 0 : b < 0 ? 1 : 2;
        buffer.WriteArrayHeader(count);
        if (a >= 0) buffer.Write(a);
        if (b >= 0) buffer.Write(b);
        return LogAndApply(session, buffer);
    }
}
