using System.Buffers.Binary;
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
                var database = shard.DbIfExists(session.Db);
                ref Entry entry = ref database is null ? ref Unsafe.NullRef<Entry>() : ref database.Find(key);
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
        var body = e.Body;
        var r = new EventReader(body);
        int fields = r.ReadArrayHeader();
        lock (_watchLock)
        {
            switch (e.Kind)
            {
                case EventKind.Set or EventKind.Expire or EventKind.Append or EventKind.SetRange:
                {
                    int db = r.ReadInt32();
                    TouchKey(db, r.ReadBytes(), deleting: false);
                    break;
                }
                case EventKind.Delete:
                {
                    int db = r.ReadInt32();
                    for (int i = 1; i < fields; i++) TouchKey(db, r.ReadBytes(), deleting: true);
                    break;
                }
                case EventKind.MultiSet:
                {
                    int db = r.ReadInt32();
                    for (int i = 1; i < fields; i += 2)
                    {
                        TouchKey(db, r.ReadBytes(), deleting: false);
                        r.ReadBytes();
                    }
                    break;
                }
                case EventKind.Rename:
                {
                    int db = r.ReadInt32();
                    TouchKey(db, r.ReadBytes(), deleting: false);
                    TouchKey(db, r.ReadBytes(), deleting: false);
                    break;
                }
                case EventKind.Copy:
                    r.ReadInt32();
                    r.ReadBytes();
                    int destinationDb = r.ReadInt32();
                    TouchKey(destinationDb, r.ReadBytes(), deleting: false);
                    break;
                case EventKind.FlushDb:
                    TouchExisting(r.ReadInt32());
                    break;
                case EventKind.FlushAll:
                    for (int db = 0; db < Databases; db++) TouchExisting(db);
                    break;
                case EventKind.SwapDb:
                    TouchExisting(r.ReadInt32(), r.ReadInt32());
                    break;
                case EventKind.FunctionLoad or EventKind.FunctionDelete or EventKind.FunctionFlush or EventKind.FunctionRestore:
                    break; // libraries are not keys: WATCH does not see them (as Redis)
                case >= StreamEvents.GroupCreate and <= StreamEvents.Claim:
                {
                    // As Redis 7.0: group changes (reads into a PEL, acks, claims) leave WATCH alone; only the stream
                    // XGROUP CREATE ... MKSTREAM makes counts as a write of the key.
                    int db = r.ReadInt32();
                    var key = r.ReadBytes();
                    if (e.Kind == StreamEvents.GroupCreate && !KeyExists(db, key)) TouchKey(db, key, deleting: false);
                    break;
                }
                default:
                    // A data type's event: [db, ...]. Every binary field after the db is taken for a key. A value
                    // equal to a watched key's name costs a needless abort, never a missed one.
                    if (fields == 0) break;
                    int typeDb = r.ReadInt32();
                    int position = body.Length - r.Remaining;
                    if (!TouchBinaries(typeDb, body, ref position, fields - 1)) TouchAll(typeDb);
                    break;
            }
        }
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

    private static ref Entry FindIn(Shard shard, int db, byte[] key)
    {
        var database = shard.DbIfExists(db);
        if (database is null) return ref Unsafe.NullRef<Entry>();
        return ref database.Find(key);
    }

    private void TouchAll(int db)
    {
        if (_watchers is null || (uint)db >= (uint)_watchers.Length || _watchers[db] is not { } byKey) return;
        foreach (var sets in byKey.Values)
            foreach (var set in sets) set.Dirty = true;
    }

    /// <summary>Walks <paramref name="count"/> MessagePack values from <paramref name="position"/>, touching every
    /// binary one as a key; false on a format it does not know (the caller then touches the whole database).</summary>
    private bool TouchBinaries(int db, ReadOnlySpan<byte> body, ref int position, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (position >= body.Length) return false;
            byte code = body[position++];
            int length;
            switch (code)
            {
                case <= 0x7f or >= 0xe0 or 0xc0 or 0xc2 or 0xc3: continue; // small ints, nil, booleans
                case >= 0x90 and <= 0x9f:
                    if (!TouchBinaries(db, body, ref position, code & 0x0f)) return false;
                    continue;
                case 0xdc:
                    if (position + 2 > body.Length) return false;
                    length = BinaryPrimitives.ReadUInt16BigEndian(body[position..]);
                    position += 2;
                    if (!TouchBinaries(db, body, ref position, length)) return false;
                    continue;
                case 0xdd:
                    if (position + 4 > body.Length) return false;
                    length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(body[position..]));
                    position += 4;
                    if (!TouchBinaries(db, body, ref position, length)) return false;
                    continue;
                case 0xcc or 0xd0: position += 1; continue;
                case 0xcd or 0xd1: position += 2; continue;
                case 0xce or 0xd2 or 0xca: position += 4; continue;
                case 0xcf or 0xd3 or 0xcb: position += 8; continue;
                case 0xc4 or 0xd9: length = body[position]; position += 1; break;
                case 0xc5 or 0xda: length = BinaryPrimitives.ReadUInt16BigEndian(body[position..]); position += 2; break;
                case 0xc6 or 0xdb: length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(body[position..])); position += 4; break;
                case >= 0xa0 and <= 0xbf: length = code & 0x1f; break;
                default: return false;
            }
            if (position + length > body.Length) return false;
            TouchKey(db, body.Slice(position, length), deleting: false);
            position += length;
        }
        return true;
    }
}
