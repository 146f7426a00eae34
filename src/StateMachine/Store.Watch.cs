using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Transactions;

namespace HyperCache.StateMachine;

/// <summary>
/// WATCH, as Redis does it: a write to a watched key marks the watching sessions dirty, and EXEC (with every shard
/// locked) aborts a dirty session's transaction. The write path pays one integer test while nobody watches anything.
/// </summary>
public sealed partial class Store
{
    private readonly Lock _watchLock = new();
    /// <summary>Per database: watched key → the sessions watching it. Created on the first WATCH.</summary>
    private Dictionary<byte[], List<WatchSet>>?[]? _watchers;
    /// <summary>How many (db, key) pairs are watched; 0 lets writes skip <see cref="TouchWatched"/>. Changed
    /// under <see cref="_watchLock"/> (and, but for a WATCH during a script, the key's shard lock); writers read it
    /// volatile, so one that has not seen a new watch wrote before that WATCH registered.</summary>
    private int _watchedKeys;

    /// <summary>How long a WATCH waits for its shard lock before it checks whether a script holds it.</summary>
    private static readonly TimeSpan ScriptCheckInterval = TimeSpan.FromMilliseconds(1);

    /// <summary>WATCH key: from now on a write to it makes the next EXEC of this session abort.</summary>
    public void Watch(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        bool locked;
        // Redis lets WATCH through while a script runs (allow_busy), and a script holds every shard lock until it
        // ends. Such a WATCH registers without the lock and cannot look at the key: it records the key as not
        // expired, so if it was already expired EXEC aborts (a spurious abort, never a missed write).
        while (!(locked = shard.Lock.TryEnter(ScriptCheckInterval)) && !ScriptHoldsLocks) { }
        try
        {
            bool expired = false;
            if (locked)
            {
                ref Entry entry = ref FindIn(shard, session.Db, key);
                expired = !Unsafe.IsNullRef(ref entry) && entry.IsExpired(now);
            }
            Register(session, key, expired);
        }
        finally
        {
            if (locked) shard.Lock.Exit();
        }
    }

    private void Register(Session session, ReadOnlySpan<byte> key, bool expired)
    {
        lock (_watchLock)
        {
            var set = session.Watches ??= new WatchSet();
            _watchers ??= new Dictionary<byte[], List<WatchSet>>?[Databases];
            var byKey = _watchers[session.Db] ??= new Dictionary<byte[], List<WatchSet>>(KeyComparer.Instance);
            var lookup = byKey.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(key, out var stored, out var sets))
            {
                if (sets.Contains(set)) return; // watched already
            }
            else
            {
                stored = key.ToArray();
                byKey[stored] = sets = [];
            }
            set.Keys.Add(new WatchedKey(session.Db, stored) { ExpiredAtWatch = expired });
            sets.Add(set);
            _watchedKeys++;
        }
    }

    /// <summary>UNWATCH, EXEC, DISCARD, RESET and disconnect: forget every key this session watches.</summary>
    public void Unwatch(Session session)
    {
        if (session.Watches is not { } set) return;
        lock (_watchLock)
        {
            foreach (var watched in set.Keys)
            {
                var byKey = _watchers![watched.Db]!;
                var sets = byKey[watched.Key];
                sets.Remove(set);
                if (sets.Count == 0) byKey.Remove(watched.Key);
                _watchedKeys--;
            }
            session.Watches = null;
        }
    }

    /// <summary>Under all shard locks: was a watched key written, or has one expired since WATCH (Redis 7)?</summary>
    private bool WatchedKeyChanged(Session session)
    {
        if (session.Watches is not { } set) return false;
        if (set.Dirty) return true;
        long now = NowMs();
        foreach (var watched in set.Keys)
        {
            if (watched.ExpiredAtWatch) continue;
            var database = ShardOf(watched.Key).DbIfExists(watched.Db);
            if (database is null) continue;
            ref Entry present = ref database.Find(watched.Key);
            if (!Unsafe.IsNullRef(ref present) && present.IsExpired(now)) return true;
        }
        return false;
    }

    /// <summary>Marks dirty every session watching a key this event writes. Called before the event is applied
    /// (a flush only touches watched keys that exist, as in Redis), with the event's shard locks held.</summary>
    internal void TouchWatched(EventBuffer e)
    {
        var visitor = new WatchVisitor(this);
        lock (_watchLock) VisitEventKeys(e.Kind, e.Body, ref visitor);
    }

    /// <summary>What a write does to WATCH: each key it names, a flush or SWAPDB (the keys that exist), a write whose
    /// keys are unknown (the whole database).</summary>
    private readonly struct WatchVisitor(Store store) : IEventKeyVisitor
    {
        public void Key(int db, ReadOnlySpan<byte> key, bool deleting) => store.TouchKey(db, key, deleting);
        public void Flush(int db)
        {
            if (db >= 0) store.TouchExisting(db);
            else for (int d = 0; d < store.Databases; d++) store.TouchExisting(d);
        }
        public void Swap(int db, int other) => store.TouchExisting(db, other);
        public void Unknown(int db) => store.TouchAll(db);
    }

    private void TouchKey(int db, ReadOnlySpan<byte> key, bool deleting)
    {
        if (_watchers is null || (uint)db >= (uint)_watchers.Length || _watchers[db] is not { } byKey) return;
        if (!byKey.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var sets)) return;
        bool expiredNow = false;
        if (deleting)
        {
            // Reclaiming a key that had already expired when it was watched is no change (Redis 7).
            ref Entry entry = ref Live(ShardOf(key).DbIfExists(db), key, NowMs());
            expiredNow = Unsafe.IsNullRef(ref entry);
        }
        foreach (var set in sets)
        {
            if (expiredNow && IsExpiredAtWatch(set, db, key)) continue;
            set.Dirty = true;
        }
    }

    private static bool IsExpiredAtWatch(WatchSet set, int db, ReadOnlySpan<byte> key)
    {
        foreach (var watched in set.Keys)
            if (watched.Db == db && watched.Key.AsSpan().SequenceEqual(key)) return watched.ExpiredAtWatch;
        return false;
    }

    /// <summary>FLUSHDB, FLUSHALL, SWAPDB: every watched key of the database(s) that exists in either.</summary>
    private void TouchExisting(int db, int other = -1)
    {
        foreach (int d in other < 0 ? [db] : new[] { db, other })
        {
            if (_watchers is null || (uint)d >= (uint)_watchers.Length || _watchers[d] is not { } byKey) continue;
            foreach (var (key, sets) in byKey)
            {
                var shard = ShardOf(key);
                bool exists = !Unsafe.IsNullRef(ref FindIn(shard, db, key)) || (other >= 0 && !Unsafe.IsNullRef(ref FindIn(shard, other, key)));
                if (!exists) continue;
                foreach (var set in sets) set.Dirty = true;
            }
        }
    }

    private void TouchAll(int db)
    {
        if (_watchers is null || (uint)db >= (uint)_watchers.Length || _watchers[db] is not { } byKey) return;
        foreach (var sets in byKey.Values)
            foreach (var set in sets) set.Dirty = true;
    }
}
