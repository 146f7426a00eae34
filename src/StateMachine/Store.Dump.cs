using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Dump;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

public enum RestoreResult { Restored, Busy }

/// <summary>
/// DUMP and RESTORE (the payload format is in Dump/). RESTORE has no event of its own: it is logged as one
/// <see cref="EventKind.Batch"/> of the events that rebuild the value, as a snapshot writes it (a Delete of the key
/// it replaces, a Set of a string with its TTL, or a collection's <see cref="CollectionValue.WriteRebuild"/> events
/// and an Expire). Replay, snapshots and replicas therefore rebuild it with the code they already have.
/// </summary>
public sealed partial class Store
{
    /// <summary>DUMP: the payload of the key's value, or null when the key is absent.</summary>
    public byte[]? Dump(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
            if (Unsafe.IsNullRef(ref entry))
            {
                NotifyMiss(session, key);
                return null;
            }
            Touch(ref entry, Clock(now));
            return DumpEncoder.Encode(entry.Value);
        }
    }

    /// <summary>True when the key exists and has not expired (no side effect: RESTORE's early BUSYKEY check,
    /// which Redis makes before it looks at the TTL and the payload).</summary>
    public bool IsLive(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return !Unsafe.IsNullRef(ref Live(shard.DbIfExists(session.Db), key, NowMs()));
    }

    /// <summary>
    /// RESTORE of a decoded value (a byte[] string or an unstored collection from <see cref="DumpDecoder"/>).
    /// <paramref name="expireAt"/> is absolute (0: none); one already past stores nothing, but deletes a key that
    /// REPLACE would have replaced, as Redis does. <paramref name="idleSeconds"/> / <paramref name="frequency"/>
    /// (-1: not given) set the key's LRU idle time or LFU counter, whichever the eviction policy tracks; like every
    /// access time they are this node's, not logged.
    /// </summary>
    public RestoreResult Restore(Session session, ReadOnlySpan<byte> key, object value, long expireAt, bool replace, long idleSeconds, int frequency)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            bool exists = !Unsafe.IsNullRef(ref LiveForWrite(session, shard, key, now));
            if (exists && !replace) return RestoreResult.Busy;
            if (expireAt != 0 && expireAt <= now)
            {
                if (exists) LogDelete(session, session.Db, key)?.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, key);
                return RestoreResult.Restored;
            }
            if (!exists && value is byte[] text) LogSet(session, key, text, expireAt); // one event is enough
            else if (session.Batch is not null) LogRestore(session, key, value, expireAt, exists); // inside EXEC: joins its batch
            else
            {
                var restore = new RestoreEvents(this, session, key.ToArray(), value, expireAt, exists);
                RunAsOneEntry(session, session, restore.Log);
            }
            ref Entry entry = ref shard.Db(session.Db).Find(key);
            if (!Unsafe.IsNullRef(ref entry)) SetAccess(ref entry, now, idleSeconds, frequency);
            _notify?.Raise(KeyspaceEventTypes.Generic, "restore"u8, session.Db, key);
            return RestoreResult.Restored;
        }
    }

    /// <summary>RESTORE's FREQ under an LFU policy, else its IDLETIME (capped at Redis's LRU clock range, ~194 days).</summary>
    private void SetAccess(ref Entry entry, long now, long idleSeconds, int frequency)
    {
        if (_clock.TrackFrequency)
        {
            if (frequency >= 0) entry.Access = (AccessBits.Minutes(Clock(now)) << 8) | frequency;
        }
        else if (idleSeconds >= 0)
            entry.LastAccess = Clock(now) - (int)(Math.Min(idleSeconds, 1L << 24) * AccessClock.Hz);
    }

    /// <summary>The events of one RESTORE, through <see cref="LogAndApply"/> (so WATCH, "new" notifications and
    /// the batch of an EXEC see each of them).</summary>
    private void LogRestore(Session session, ReadOnlySpan<byte> key, object value, long expireAt, bool replacing)
    {
        if (replacing) LogDelete(session, session.Db, key);
        if (value is CollectionValue collection)
        {
            collection.WriteRebuild(session.Db, key, new LoggingSink(this, session));
            if (expireAt != 0) LogExpire(session, key, expireAt);
        }
        else LogSet(session, key, StringSpan(value), expireAt);
    }

    private sealed class RestoreEvents(Store store, Session session, byte[] key, object value, long expireAt, bool replacing)
    {
        public void Log() => store.LogRestore(session, key, value, expireAt, replacing);
    }

    private sealed class LoggingSink(Store store, Session session) : IRebuildSink
    {
        public void Emit(EventBuffer buffer) => store.LogAndApply(session, buffer);
    }
}
