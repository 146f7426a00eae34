using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>The set event kinds (in SetFirst..SetLast). Never renumber: these bytes are on disk.</summary>
public static class SetEvents
{
    /// <summary>[db, key, member...] — SADD, snapshots. Creates the key.</summary>
    public const EventKind Add = (EventKind)60;
    /// <summary>[db, key, member...] — SREM, and SPOP as the members it chose; the key goes with its last member.</summary>
    public const EventKind Remove = (EventKind)61;
    /// <summary>[db, source, destination, member] — SMOVE.</summary>
    public const EventKind Move = (EventKind)62;
    /// <summary>[db, key, member...]: the key becomes a set of exactly these members (no TTL), whatever it held. One
    /// entry, so a crash keeps all of the result or none of it. SINTERSTORE, SUNIONSTORE and SDIFFSTORE logged this
    /// until the nineteenth stop; replay still reads it.</summary>
    public const EventKind Store = (EventKind)63;
    /// <summary>[db, destination, operation, source...]: SINTERSTORE, SUNIONSTORE, SDIFFSTORE as the operation over
    /// the named keys (as Redis's AOF carries the command), not its result: Apply computes the result from the
    /// sources as they are at that point of the log, then it replaces the destination (no TTL; an empty result
    /// deletes it).</summary>
    public const EventKind CombineStore = (EventKind)64;
}

public enum SetOperation { Intersection, Union, Difference }

/// <summary>Sets: commands and the events they log (kinds SetFirst..SetLast in EventKind.cs).</summary>
public sealed partial class Store
{
    /// <summary>SADD of members args[first..]; returns how many were new. Logs only the new members, and nothing
    /// when there are none: as Redis, which propagates an SADD to its AOF and replicas only when it added.</summary>
    public long SetAdd<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var set = SetForWrite(session, shard, key, NowMs());
            if (set is null)
            {
                LogKeyAndArgs(session, SetEvents.Add, key, args, first)?.Raise(KeyspaceEventTypes.Set, "sadd"u8, session.Db, key);
                return CollectionCount(shard, session.Db, key);
            }
            int absent = 0;
            for (int i = first; i < args.Count; i++)
                if (!set.Contains(args[i])) absent++;
            if (absent == 0) return 0;
            long before = set.Count;
            var notify = absent == args.Count - first
                ? LogKeyAndArgs(session, SetEvents.Add, key, args, first)
                : LogKeyAndMembers(session, SetEvents.Add, key, args, first, absent, set, present: false);
            notify?.Raise(KeyspaceEventTypes.Set, "sadd"u8, session.Db, key);
            return CollectionCount(shard, session.Db, key) - before;
        }
    }

    /// <summary>SREM of members args[first..]; returns how many were there.</summary>
    public long SetRemove<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var set = SetForWrite(session, shard, key, NowMs());
            if (set is null) return 0;
            int present = 0;
            for (int i = first; i < args.Count; i++)
                if (set.Contains(args[i])) present++;
            if (present == 0) return 0;
            long before = set.Count;
            var notify = LogKeyAndMembers(session, SetEvents.Remove, key, args, first, present, set, present: true);
            notify?.Raise(KeyspaceEventTypes.Set, "srem"u8, session.Db, key);
            NotifyIfGone(notify, session.Db, key);
            return before - CollectionCount(shard, session.Db, key);
        }
    }

    /// <summary>SMEMBERS, in the order Redis lists them (numeric for an intset).</summary>
    public byte[][] SetMembers(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadSet(session, shard, key)?.Members() ?? [];
    }

    public bool SetContains(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadSet(session, shard, key)?.Contains(member) ?? false;
    }

    /// <summary>SMISMEMBER: membership of each of args[first..].</summary>
    public bool[] SetContainsMany<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        var answers = new bool[args.Count - first];
        lock (shard.Lock)
        {
            var set = ReadSet(session, shard, key);
            if (set != null)
                for (int i = first; i < args.Count; i++) answers[i - first] = set.Contains(args[i]);
        }
        return answers;
    }

    public long SetCount(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadSet(session, shard, key)?.Count ?? 0;
    }

    /// <summary>SPOP without a count: one random member removed, or null.</summary>
    public byte[]? SetPop(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var set = SetForWrite(session, shard, key, NowMs());
            if (set is null) return null;
            var member = set.MemberArrayAt(set.RandomPosition());
            NotifySetPop(LogKeyAndBytes(session, SetEvents.Remove, key, member), session.Db, key);
            return member;
        }
    }

    /// <summary>SPOP with a count: up to <paramref name="count"/> distinct random members, removed. Logged as the
    /// members chosen (or as a delete of the key when they are all of them).</summary>
    public byte[][] SetPop(Session session, ReadOnlySpan<byte> key, long count)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var set = SetForWrite(session, shard, key, NowMs());
            if (set is null || count == 0) return [];
            if (count >= set.Count)
            {
                var members = set.Members();
                NotifySetPop(LogDelete(session, session.Db, key), session.Db, key);
                return members;
            }
            var picked = new List<int>();
            set.RandomPositions(count, picked);
            var removed = new byte[picked.Count][];
            for (int i = 0; i < removed.Length; i++) removed[i] = set.MemberArrayAt(picked[i]);
            var buffer = EventBuffer.Start(SetEvents.Remove);
            buffer.WriteArrayHeader(2 + removed.Length);
            buffer.Write(session.Db);
            buffer.Write(key);
            foreach (var member in removed) buffer.Write(member);
            NotifySetPop(LogAndApply(session, buffer), session.Db, key);
            return removed;
        }
    }

    /// <summary>SRANDMEMBER without a count: one random member, or null.</summary>
    public byte[]? SetRandomMember(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var set = ReadSet(session, shard, key);
            return set?.MemberArrayAt(set.RandomPosition());
        }
    }

    /// <summary>SRANDMEMBER with a count: distinct members when positive (the whole set when it has no more),
    /// |count| members with repetition when negative.</summary>
    public byte[][] SetRandomMembers(Session session, ReadOnlySpan<byte> key, long count)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var set = ReadSet(session, shard, key);
            if (set is null || count == 0) return [];
            if (count >= set.Count) return set.Members();
            var picked = new List<int>();
            set.RandomPositions(count, picked);
            var members = new byte[picked.Count][];
            for (int i = 0; i < members.Length; i++) members[i] = set.MemberArrayAt(picked[i]);
            return members;
        }
    }

    /// <summary>SMOVE; false when the source has no such member. Both keys are checked for type first.</summary>
    public bool SetMove(Session session, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> member)
    {
        long now = NowMs();
        using var locks = LockKeys(source, destination, stackalloc ulong[MaskWords]);
        var from = SetForWrite(session, ShardOf(source), source, now);
        if (from is null) return false;
        var to = SetForWrite(session, ShardOf(destination), destination, now);
        if (!from.Contains(member)) return false;
        if (ReferenceEquals(from, to)) return true; // same key: nothing moves
        if (to?.Contains(member) == true)
        {
            // Only the source changes (Redis signals the destination only when the member was added to it, so a
            // WATCH or a tracked read of the destination stays valid): logged as the SREM it is.
            var removed = LogKeyAndBytes(session, SetEvents.Remove, source, member);
            removed?.Raise(KeyspaceEventTypes.Set, "srem"u8, session.Db, source);
            NotifyIfGone(removed, session.Db, source);
            return true;
        }
        var buffer = EventBuffer.Start(SetEvents.Move);
        buffer.WriteArrayHeader(4);
        buffer.Write(session.Db);
        buffer.Write(source);
        buffer.Write(destination);
        buffer.Write(member);
        if (LogAndApply(session, buffer) is { } notify)
        {
            notify.Raise(KeyspaceEventTypes.Set, "srem"u8, session.Db, source);
            NotifyIfGone(notify, session.Db, source);
            notify.Raise(KeyspaceEventTypes.Set, "sadd"u8, session.Db, destination);
        }
        return true;
    }

    /// <summary>SPOP's events: "spop", and "del" when it took the last member.</summary>
    private void NotifySetPop(KeyspaceNotifier? notify, int db, ReadOnlySpan<byte> key)
    {
        notify?.Raise(KeyspaceEventTypes.Set, "spop"u8, db, key);
        NotifyIfGone(notify, db, key);
    }

    /// <summary>SINTER, SUNION, SDIFF of the keys args[first..end).</summary>
    public byte[][] SetCombine<TArgs>(Session session, SetOperation operation, TArgs args, int first, int end) where TArgs : IKeyList, allows ref struct
    {
        using var locks = LockKeys(new KeyPrefix<TArgs>(args, end), first, 1, stackalloc ulong[MaskWords]);
        return Combine(session, operation, args, first, end, long.MaxValue);
    }

    /// <summary>SINTERCARD: the size of the intersection of args[first..end), counting no further than
    /// <paramref name="limit"/> (0: no limit).</summary>
    public long SetIntersectionCount<TArgs>(Session session, TArgs args, int first, int end, long limit) where TArgs : IKeyList, allows ref struct
    {
        using var locks = LockKeys(new KeyPrefix<TArgs>(args, end), first, 1, stackalloc ulong[MaskWords]);
        return Combine(session, SetOperation.Intersection, args, first, end, limit == 0 ? long.MaxValue : limit).Length;
    }

    /// <summary>
    /// SINTERSTORE, SUNIONSTORE, SDIFFSTORE: args[first] is the destination, the sources follow. The destination is
    /// replaced by the result (deleted when the result is empty); returns the result's size. Logged as the operation
    /// (<see cref="SetEvents.CombineStore"/>): a union of two 20 k-member sets was 420 KB of log as its result. So
    /// that Apply sees every source as this call does, an expired source is deleted (logged) first, as Redis's
    /// lookup deletes it, and every type is checked before anything is logged. Nothing is logged when the result is
    /// empty for want of a source and there is no destination to delete, as Redis propagates nothing then.
    /// </summary>
    public long SetCombineStore<TArgs>(Session session, SetOperation operation, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        using var locks = LockKeys(args, first, 1, stackalloc ulong[MaskWords]);
        int sources = args.Count - first - 1;
        int missing = 0;
        bool headMissing = false;
        for (int i = first + 1; i < args.Count; i++)
        {
            var key = args[i];
            LiveForWrite(session, ShardOf(key), key, now); // an expired source goes first, logged
            if (ReadSet(session, ShardOf(key), key) is not null) continue; // a read lookup, as Redis's: stats, keymiss, WRONGTYPE
            missing++;
            headMissing |= i == first + 1;
        }
        var destination = args[first];
        bool existed = !Unsafe.IsNullRef(ref LiveForWrite(session, ShardOf(destination), destination, now));
        bool emptyForWant = operation switch
        {
            SetOperation.Intersection => missing > 0,
            SetOperation.Union => missing == sources,
            _ => headMissing,
        };
        if (emptyForWant && !existed) return 0;
        var buffer = EventBuffer.Start(SetEvents.CombineStore);
        buffer.WriteArrayHeader(3 + sources);
        buffer.Write(session.Db);
        buffer.Write(destination);
        buffer.Write((int)operation);
        for (int i = first + 1; i < args.Count; i++) buffer.Write(args[i]);
        return LogCombineStore(session, buffer, destination, existed, KeyspaceEventTypes.Set, operation switch
        {
            SetOperation.Intersection => "sinterstore"u8,
            SetOperation.Union => "sunionstore"u8,
            _ => "sdiffstore"u8,
        });
    }

    /// <summary>The end of every set-algebra store (sets and sorted sets): logs and applies the operation, then
    /// publishes what became of the destination; returns its size.</summary>
    private long LogCombineStore(Session session, EventBuffer buffer, ReadOnlySpan<byte> destination, bool existed,
        KeyspaceEventTypes type, ReadOnlySpan<byte> eventName)
    {
        var notify = LogAndApply(session, buffer);
        long count = CollectionCount(ShardOf(destination), session.Db, destination);
        if (count > 0) notify?.Raise(type, eventName, session.Db, destination);
        else if (existed) notify?.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, destination);
        return count;
    }

    /// <summary>
    /// SSCAN: adds members matching <paramref name="pattern"/> to <paramref name="result"/>; returns the next cursor.
    /// An intset comes back whole, sorted, in one call with cursor 0, as in Redis.
    /// </summary>
    public ulong SetScan(Session session, ReadOnlySpan<byte> key, ulong cursor, ReadOnlySpan<byte> pattern, int count, List<byte[]> result)
    {
        var shard = ShardOf(key);
        bool all = pattern.Length == 1 && pattern[0] == '*';
        lock (shard.Lock)
        {
            var set = ReadSet(session, shard, key);
            if (set is null) return 0;
            if (set.IsIntset)
            {
                foreach (var member in set.Members())
                    if (all || Glob.Match(pattern, member)) result.Add(member);
                return 0;
            }
            var positions = new List<int>();
            ulong next = set.Scan(cursor, count, positions);
            foreach (int at in positions)
                if (all || Glob.Match(pattern, set.MemberAt(at))) result.Add(set.MemberArrayAt(at));
            return next;
        }
    }

    /// <summary>
    /// The combination of the sets at args[first..end), callers holding their locks. Every key is type-checked
    /// before anything is computed (WRONGTYPE wins over a missing key, as in Redis 7.0). Results come in Redis's
    /// order where Redis's is fixed: an intersection follows its smallest set, a union or difference that Redis
    /// would build as an intset is sorted.
    /// </summary>
    private byte[][] Combine<TArgs>(Session session, SetOperation operation, TArgs args, int first, int end, long limit) where TArgs : IKeyList, allows ref struct
    {
        var sets = new SetValue?[end - first];
        for (int i = first; i < end; i++) sets[i - first] = ReadSet(session, ShardOf(args[i]), args[i]);
        return Combine(operation, sets, limit);
    }

    /// <summary>The combination of <paramref name="sets"/> (null: a missing key), in the order described above.</summary>
    private static byte[][] Combine(SetOperation operation, SetValue?[] sets, long limit)
    {
        var result = new List<byte[]>();
        switch (operation)
        {
            case SetOperation.Intersection:
            {
                if (Array.Exists(sets, s => s is null)) return [];
                var ordered = sets.Select(s => s!).OrderBy(s => s.Count).ToArray();
                foreach (var member in ordered[0].Members())
                {
                    if (result.Count >= limit) break;
                    bool inAll = true;
                    for (int j = 1; j < ordered.Length && inAll; j++) inAll = ordered[j].Contains(member);
                    if (inAll) result.Add(member);
                }
                return [.. result];
            }
            case SetOperation.Union:
            {
                var seen = new HashSet<byte[]>(KeyComparer.Instance);
                foreach (var set in sets)
                {
                    if (set is null) continue;
                    for (int at = set.First; at >= 0; at = set.Next(at))
                    {
                        var member = set.MemberArrayAt(at);
                        if (seen.Add(member)) result.Add(member);
                    }
                }
                break;
            }
            case SetOperation.Difference:
            {
                if (sets[0] is not { } head) return [];
                for (int at = head.First; at >= 0; at = head.Next(at))
                {
                    var member = head.MemberAt(at);
                    bool elsewhere = false;
                    for (int j = 1; j < sets.Length && !elsewhere; j++) elsewhere = sets[j]?.Contains(member) ?? false;
                    if (!elsewhere) result.Add(head.MemberArrayAt(at));
                }
                break;
            }
        }
        var members = result.ToArray();
        if (SetValue.WouldBeIntset(members)) SetValue.SortNumerically(members);
        return members;
    }

    /// <summary>Logs and applies [db, key, m...] for the <paramref name="count"/> members of args[first..] whose
    /// presence in <paramref name="set"/> is <paramref name="present"/> (a member given twice is written twice; the
    /// event's Apply is idempotent per member).</summary>
    private KeyspaceNotifier? LogKeyAndMembers<TArgs>(Session session, EventKind kind, ReadOnlySpan<byte> key, TArgs args, int first,
        int count, SetValue set, bool present) where TArgs : IKeyList, allows ref struct
    {
        var buffer = EventBuffer.Start(kind);
        buffer.WriteArrayHeader(2 + count);
        buffer.Write(session.Db);
        buffer.Write(key);
        for (int i = first; i < args.Count; i++)
            if (set.Contains(args[i]) == present) buffer.Write(args[i]);
        return LogAndApply(session, buffer);
    }

    /// <summary>The live set at the key for a read (counting the hit or miss), null when absent; WRONGTYPE for
    /// another type.</summary>
    private SetValue? ReadSet(Session session, Shard shard, ReadOnlySpan<byte> key)
        => ReadCollection(session, shard, key) is { } value ? value as SetValue ?? throw CommandError.WrongType() : null;

    private SetValue? SetForWrite(Session session, Shard shard, ReadOnlySpan<byte> key, long now)
    {
        ref Entry entry = ref LiveForWrite(session, shard, key, now);
        return Unsafe.IsNullRef(ref entry) ? null : entry.Value as SetValue ?? throw CommandError.WrongType();
    }

    /// <summary>The first <paramref name="count"/> items of a key list (the keys of SINTERCARD, before LIMIT).</summary>
    private readonly ref struct KeyPrefix<TArgs>(TArgs args, int count) : IKeyList where TArgs : IKeyList, allows ref struct
    {
        private readonly TArgs _args = args;
        public int Count { get; } = count;
        public ReadOnlySpan<byte> this[int index] => _args[index];
    }

    private SetValue SetToAddTo(int db, ReadOnlySpan<byte> key)
    {
        var database = ShardOf(key).Db(db);
        ref Entry entry = ref database.GetOrAdd(key, out bool existed);
        if (!existed) database.SetValue(ref entry, new SetValue());
        return Unshared(database, ref entry) as SetValue ?? throw new InvalidDataException("set event on a key of another type");
    }

    /// <summary>The set an event removes from, or null when the key is gone.</summary>
    private SetValue? SetToRemoveFrom(int db, ReadOnlySpan<byte> key)
    {
        var database = ShardOf(key).DbIfExists(db);
        if (database is null) return null;
        ref Entry entry = ref database.Find(key);
        if (Unsafe.IsNullRef(ref entry)) return null;
        return Unshared(database, ref entry) as SetValue ?? throw new InvalidDataException("set event on a key of another type");
    }

    /// <summary>The set at the key as the log has it (expiry is the write path's business), null when absent.</summary>
    private SetValue? SetAt(int db, ReadOnlySpan<byte> key)
    {
        ref Entry entry = ref FindIn(ShardOf(key), db, key);
        if (Unsafe.IsNullRef(ref entry)) return null;
        return entry.Value as SetValue ?? throw new InvalidDataException("set event reads a key of another type");
    }

    /// <summary>Empty collections do not exist, as in Redis.</summary>
    private void DeleteIfEmpty(int db, ReadOnlySpan<byte> key, SetValue set)
    {
        if (set.Count == 0) ShardOf(key).DbIfExists(db)!.Remove(key);
    }

    private void ApplySet(EventKind kind, ref EventReader r, int fields)
    {
        int db = r.ReadInt32();
        var key = r.ReadBytes();
        switch (kind)
        {
            case SetEvents.Add:
            {
                var set = SetToAddTo(db, key);
                for (int i = 2; i < fields; i++) set.Add(r.ReadBytes());
                break;
            }
            case SetEvents.Remove:
            {
                if (SetToRemoveFrom(db, key) is not { } set) break;
                for (int i = 2; i < fields; i++) set.Remove(r.ReadBytes());
                DeleteIfEmpty(db, key, set);
                break;
            }
            case SetEvents.Move:
            {
                var destination = r.ReadBytes();
                var member = r.ReadBytes();
                if (SetToRemoveFrom(db, key) is not { } source) break;
                source.Remove(member);
                DeleteIfEmpty(db, key, source);
                SetToAddTo(db, destination).Add(member);
                break;
            }
            case SetEvents.Store:
            {
                ApplyDelete(db, key);
                var set = SetToAddTo(db, key);
                for (int i = 2; i < fields; i++) set.Add(r.ReadBytes());
                break;
            }
            case SetEvents.CombineStore:
            {
                var operation = (SetOperation)r.ReadInt32();
                var sources = new SetValue?[fields - 3];
                for (int i = 0; i < sources.Length; i++) sources[i] = SetAt(db, r.ReadBytes());
                var members = Combine(operation, sources, long.MaxValue); // before the destination goes: it may be a source
                ApplyDelete(db, key);
                if (members.Length == 0) break;
                var database = ShardOf(key).Db(db);
                ref Entry entry = ref database.GetOrAdd(key, out _);
                database.SetValue(ref entry, SetValue.Of(members));
                break;
            }
            default:
                throw new UnknownEventKindException($"unknown Sets event kind {(byte)kind}");
        }
    }
}
