using System.Buffers.Text;
using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>The hash event kinds (in HashFirst..HashLast). Never renumber: these bytes are on disk.</summary>
public static class HashEvents
{
    /// <summary>[db, key, field, value, field, value...] — HSET, HSETNX, HMSET, snapshots, and HINCRBY and
    /// HINCRBYFLOAT as the resulting value. Creates the key.</summary>
    public const EventKind Set = (EventKind)40;
    /// <summary>[db, key, field...] — HDEL; the key goes when its last field does.</summary>
    public const EventKind Delete = (EventKind)41;
}

/// <summary>Hashes: commands and the events they log (kinds HashFirst..HashLast in EventKind.cs).</summary>
public sealed partial class Store
{
    /// <summary>HSET/HMSET with field-value pairs args[first], args[first+1]...; returns the number of new fields.</summary>
    public long HashSet<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            long before = HashForWrite(session, shard, key, NowMs())?.Count ?? 0;
            LogKeyAndArgs(session, HashEvents.Set, key, args, first)?.Raise(KeyspaceEventTypes.Hash, "hset"u8, session.Db, key);
            return CollectionCount(shard, session.Db, key) - before;
        }
    }

    /// <summary>HSETNX: sets the field only when absent; true when it did.</summary>
    public bool HashSetIfAbsent(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var hash = HashForWrite(session, shard, key, NowMs());
            if (hash != null && hash.Contains(field)) return false;
            LogHashField(session, key, field, value)?.Raise(KeyspaceEventTypes.Hash, "hset"u8, session.Db, key);
            return true;
        }
    }

    /// <summary>A copy of the field's value, or null (values may be overwritten in place: none leaves the lock).</summary>
    public byte[]? HashGet(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> field)
        => HashReadField(session, key, field, 0, static (value, _) => value.ToArray(), null);

    /// <summary>HGET without a copy: runs <paramref name="read"/> on the field's value where it lies, under the shard
    /// lock (see <see cref="ReadString"/>); <paramref name="missing"/> when the key or field is absent.</summary>
    public TResult HashReadField<TState, TResult>(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> field,
        TState state, StringReader<TState, TResult> read, TResult missing) where TState : allows ref struct
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var hash = ReadHash(session, shard, key);
            return hash != null && hash.TryGet(field, out var value) ? read(value, state) : missing;
        }
    }

    /// <summary>HMGET: the value of each field args[first..] (null when absent), or all nulls for a missing key.</summary>
    public byte[]?[] HashGetMany<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        var values = new byte[]?[args.Count - first];
        lock (shard.Lock)
        {
            var hash = ReadHash(session, shard, key);
            if (hash is null) return values;
            for (int i = first; i < args.Count; i++)
                values[i - first] = hash.TryGet(args[i], out var value) ? value.ToArray() : null;
        }
        return values;
    }

    /// <summary>HGETALL, HKEYS, HVALS: fields and/or values in the hash's order (fields first in each pair).</summary>
    public byte[][] HashGetAll(Session session, ReadOnlySpan<byte> key, bool fields, bool values)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var hash = ReadHash(session, shard, key);
            if (hash is null) return [];
            var items = new byte[hash.Count * ((fields ? 1 : 0) + (values ? 1 : 0))][];
            int n = 0;
            for (int at = hash.First; at >= 0; at = hash.Next(at))
            {
                if (fields) items[n++] = hash.FieldArrayAt(at);
                if (values) items[n++] = hash.ValueAt(at).ToArray(); // a copy: values change in place
            }
            return items;
        }
    }

    /// <summary>HDEL of fields args[first..]; returns how many were there.</summary>
    public long HashDelete<TArgs>(Session session, ReadOnlySpan<byte> key, TArgs args, int first) where TArgs : IKeyList, allows ref struct
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var hash = HashForWrite(session, shard, key, NowMs());
            if (hash is null) return 0;
            int present = 0;
            for (int i = first; i < args.Count; i++)
                if (hash.Contains(args[i])) present++;
            if (present == 0) return 0;
            long before = hash.Count;
            var buffer = EventBuffer.Start(HashEvents.Delete);
            buffer.WriteArrayHeader(2 + present);
            buffer.Write(session.Db);
            buffer.Write(key);
            for (int i = first; i < args.Count; i++)
                if (hash.Contains(args[i])) buffer.Write(args[i]);
            var notify = LogAndApply(session, buffer);
            notify?.Raise(KeyspaceEventTypes.Hash, "hdel"u8, session.Db, key);
            NotifyIfGone(notify, session.Db, key);
            return before - CollectionCount(shard, session.Db, key);
        }
    }

    public bool HashExists(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> field)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadHash(session, shard, key)?.Contains(field) ?? false;
    }

    public long HashLength(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock) return ReadHash(session, shard, key)?.Count ?? 0;
    }

    /// <summary>HINCRBY, logged as the resulting value.</summary>
    public long HashIncrementBy(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> field, long delta)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var hash = HashForWrite(session, shard, key, NowMs());
            long current = 0;
            if (hash != null && hash.TryGet(field, out var value) && !Numbers.TryParseInt64(value, out current))
                throw new CommandError("ERR hash value is not an integer");
            if ((delta > 0 && current > long.MaxValue - delta) || (delta < 0 && current < long.MinValue - delta))
                throw CommandError.Overflow();
            long result = current + delta;
            Span<byte> text = stackalloc byte[20];
            Utf8Formatter.TryFormat(result, text, out int written);
            LogHashField(session, key, field, text[..written])?.Raise(KeyspaceEventTypes.Hash, "hincrby"u8, session.Db, key);
            return result;
        }
    }

    /// <summary>HINCRBYFLOAT in Redis's long double, logged as the resulting value; returns its text. The caller has
    /// checked that <paramref name="increment"/> is a finite float (Redis checks it before it looks at the hash);
    /// plain decimals exact in binary take <see cref="ExactDecimalSum"/>, as INCRBYFLOAT's do.</summary>
    public byte[] HashIncrementByFloat(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> field, ReadOnlySpan<byte> increment)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var hash = HashForWrite(session, shard, key, NowMs());
            var value = hash != null && hash.TryGet(field, out var stored) ? stored : "0"u8;
            var text = FloatSum(value, increment, "ERR hash value is not a float");
            LogHashField(session, key, field, text)?.Raise(KeyspaceEventTypes.Hash, "hincrbyfloat"u8, session.Db, key);
            return text;
        }
    }

    /// <summary>
    /// HRANDFIELD with a count: distinct fields when positive (the whole hash when it has no more), |count| fields
    /// with repetition when negative. Items are fields, or field-value pairs with <paramref name="withValues"/>.
    /// </summary>
    public byte[][] HashRandomFields(Session session, ReadOnlySpan<byte> key, long count, bool withValues)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var hash = ReadHash(session, shard, key);
            if (hash is null || count == 0) return [];
            var picked = new List<int>();
            if (count >= hash.Count) hash.AllPositions(picked);
            else
            {
                hash.RandomPositions(count, picked);
                if (count > 0 && hash.IsCompact) picked.Sort(); // Redis samples a listpack in its order
            }
            var items = new byte[picked.Count * (withValues ? 2 : 1)][];
            int n = 0;
            foreach (int at in picked)
            {
                items[n++] = hash.FieldArrayAt(at);
                if (withValues) items[n++] = hash.ValueAt(at).ToArray();
            }
            return items;
        }
    }

    /// <summary>HRANDFIELD without a count: one random field, or null.</summary>
    public byte[]? HashRandomField(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            var hash = ReadHash(session, shard, key);
            return hash?.FieldArrayAt(hash.RandomPosition());
        }
    }

    /// <summary>
    /// HSCAN: adds field-value pairs matching <paramref name="pattern"/> to <paramref name="result"/>; returns the
    /// next cursor. A listpack-sized hash comes back whole in one call with cursor 0, as in Redis.
    /// </summary>
    public ulong HashScan(Session session, ReadOnlySpan<byte> key, ulong cursor, ReadOnlySpan<byte> pattern, int count, List<byte[]> result)
    {
        var shard = ShardOf(key);
        bool all = pattern.Length == 1 && pattern[0] == '*';
        lock (shard.Lock)
        {
            var hash = ReadHash(session, shard, key);
            if (hash is null) return 0;
            var positions = new List<int>();
            ulong next = hash.Scan(cursor, count, positions);
            foreach (int at in positions)
            {
                if (!all && !Glob.Match(pattern, hash.FieldAt(at))) continue;
                result.Add(hash.FieldArrayAt(at));
                result.Add(hash.ValueAt(at).ToArray());
            }
            return next;
        }
    }

    /// <summary>The live hash at the key for a read (counting the hit or miss), null when absent; WRONGTYPE for
    /// another type.</summary>
    private HashValue? ReadHash(Session session, Shard shard, ReadOnlySpan<byte> key)
        => ReadCollection(session, shard, key) is { } value ? value as HashValue ?? throw CommandError.WrongType() : null;

    private HashValue? HashForWrite(Session session, Shard shard, ReadOnlySpan<byte> key, long now)
    {
        ref Entry entry = ref LiveForWrite(session, shard, key, now);
        return Unsafe.IsNullRef(ref entry) ? null : entry.Value as HashValue ?? throw CommandError.WrongType();
    }

    private KeyspaceNotifier? LogHashField(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        var buffer = EventBuffer.Start(HashEvents.Set);
        buffer.WriteArrayHeader(4);
        buffer.Write(session.Db);
        buffer.Write(key);
        buffer.Write(field);
        buffer.Write(value);
        return LogAndApply(session, buffer);
    }

    private void ApplyHash(EventKind kind, ref EventReader r, int fields)
    {
        int db = r.ReadInt32();
        var key = r.ReadBytes();
        switch (kind)
        {
            case HashEvents.Set:
            {
                var database = ShardOf(key).Db(db);
                ref Entry entry = ref database.GetOrAdd(key, out bool existed);
                if (!existed) database.SetValue(ref entry, new HashValue());
                var hash = Unshared(database, ref entry) as HashValue ?? throw new InvalidDataException("hash event on a key of another type");
                // Same-length values are overwritten in place, except while a snapshot that shares the arrays is
                // being written (the rule of MayChangeInPlace for strings).
                bool inPlace = Volatile.Read(ref _cut) is null;
                for (int i = 2; i + 1 < fields; i += 2)
                {
                    var field = r.ReadBytes();
                    hash.Set(field, r.ReadBytes(), inPlace);
                }
                break;
            }
            case HashEvents.Delete:
            {
                var database = ShardOf(key).DbIfExists(db);
                if (database is null) return;
                ref Entry entry = ref database.Find(key);
                if (Unsafe.IsNullRef(ref entry)) return;
                var hash = Unshared(database, ref entry) as HashValue ?? throw new InvalidDataException("hash event on a key of another type");
                for (int i = 2; i < fields; i++) hash.Remove(r.ReadBytes());
                if (hash.Count == 0) database.Remove(key); // empty collections do not exist, as in Redis
                break;
            }
            default:
                throw new UnknownEventKindException($"unknown Hashes event kind {(byte)kind}");
        }
    }
}
