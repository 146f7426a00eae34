using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Transactions;

namespace HyperCache.StateMachine;

/// <summary>
/// MOVE: the key leaves the session's database for another. Logged as ONE <see cref="EventKind.Batch"/> entry of
/// the existing <see cref="EventKind.Copy"/> (value and TTL into the target database) and
/// <see cref="EventKind.Delete"/> (the source), so a crash keeps both halves or neither, and replay, snapshots and
/// replicas need no new event kind. A key is in the same shard whatever its database, so one shard lock covers it.
/// </summary>
public sealed partial class Store
{
    /// <summary>False when the key is missing here or already exists in <paramref name="destinationDb"/>.</summary>
    public bool Move(Session session, ReadOnlySpan<byte> key, int destinationDb)
    {
        long now = NowMs();
        var shard = ShardOf(key);
        using var locks = LockKeys(key, key, stackalloc ulong[MaskWords]);
        if (Unsafe.IsNullRef(ref LiveForWrite(session, shard, key, now))) return false;
        var target = shard.DbIfExists(destinationDb);
        if (target is not null)
        {
            ref Entry there = ref target.Find(key);
            if (!Unsafe.IsNullRef(ref there))
            {
                if (!there.IsExpired(now)) return false;
                // As Redis's lookup of the target: an expired key there is deleted (and logged) first.
                LogDelete(session, destinationDb, key)?.Raise(KeyspaceEventTypes.Expired, "expired"u8, destinationDb, key);
                shard.ExpiredKeys++;
            }
        }

        // Inside EXEC or a script the events join that entry; otherwise they become one of their own.
        var own = session.Batch is null ? new EventBatch() : null;
        if (own is not null) session.Batch = own;
        KeyspaceNotifier? notify;
        try
        {
            var copy = EventBuffer.Start(EventKind.Copy);
            copy.WriteArrayHeader(4);
            copy.Write(session.Db);
            copy.Write(key);
            copy.Write(destinationDb);
            copy.Write(key);
            LogAndApply(session, copy);
            notify = LogDelete(session, session.Db, key);
        }
        finally
        {
            if (own is not null)
            {
                session.Batch = null;
                if (own.Count > 0 && _log != null) session.LastLogAddress = _log.Append(own.ToEntry().Entry, (byte)EventKind.Batch);
            }
        }
        notify?.Raise(KeyspaceEventTypes.Generic, "move_from"u8, session.Db, key);
        notify?.Raise(KeyspaceEventTypes.Generic, "move_to"u8, destinationDb, key);
        return true;
    }
}
