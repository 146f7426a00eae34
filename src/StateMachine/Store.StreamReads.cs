using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Blocking;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>What XREAD read from one stream: its key and the entries after the ID the client gave.</summary>
public sealed record StreamRead(byte[] Key, List<StreamEntry> Entries);

/// <summary>XREAD, blocking or not (the waiter protocol is in <see cref="KeyWaiter"/>).</summary>
public sealed partial class Store
{
    /// <summary>
    /// XREAD [COUNT count] [BLOCK ms] STREAMS key... id...: keys are args[first..first+n), their IDs the n
    /// arguments after. For each key in turn its type is checked, then its ID parsed ("$" is the stream's last ID,
    /// or 0-0 for a missing key), as Redis does, so the same bad request fails the same way. Returns the streams
    /// holding entries above their ID, in argument order (count 0: all of them), or null when none does; then,
    /// when <paramref name="block"/> is set, a <paramref name="waiter"/> is queued on every key under the same
    /// locks, and its completion gives a one-item list for the stream an XADD fed.
    /// </summary>
    public List<StreamRead>? StreamReadAfter<TArgs>(Session session, TArgs args, int first, int n, long count, bool block,
        out KeyWaiter? waiter) where TArgs : IKeyList, allows ref struct
    {
        waiter = null;
        using var locks = LockKeys(new KeysBefore<TArgs>(args, first + n), first, 1, stackalloc ulong[MaskWords]);
        long now = NowMs();
        var after = new StreamId[n];
        for (int i = 0; i < n; i++)
        {
            var key = args[first + i];
            ref Entry entry = ref Live(ShardOf(key).DbIfExists(session.Db), key, now);
            var stream = Unsafe.IsNullRef(ref entry) ? null : entry.Value as StreamValue ?? throw CommandError.WrongType();
            var text = args[first + n + i];
            if (text.SequenceEqual("$"u8)) after[i] = stream?.LastId ?? StreamId.Zero;
            else if (text.SequenceEqual(">"u8))
                throw new CommandError("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
            else if (!StreamId.TryParse(text, 0, false, out after[i], out _)) throw InvalidStreamId();
        }
        List<StreamRead>? read = null;
        for (int i = 0; i < n; i++)
        {
            var key = args[first + i];
            var stream = ReadCollection(session, ShardOf(key), key) as StreamValue;
            if (stream?.Last is not { } last || last.Id <= after[i]) continue;
            (read ??= []).Add(new StreamRead(key.ToArray(), EntriesAfter(stream, after[i], count)));
        }
        if (read != null || !block) return read;
        var keys = DistinctKeys(args, first, first + n);
        var ids = new StreamId[keys.Length];
        for (int k = 0; k < keys.Length; k++) // a key named twice waits from the first ID given for it
            for (int i = 0; i < n; i++)
                if (args[first + i].SequenceEqual(keys[k])) { ids[k] = after[i]; break; }
        var waiting = new StreamWaiter(session, keys, ids, count);
        Block(waiting);
        waiter = waiting;
        return null;
    }

    public static CommandError InvalidStreamId() => new("ERR Invalid stream ID specified as stream command argument");

    private static List<StreamEntry> EntriesAfter(StreamValue stream, StreamId after, long count)
    {
        var entries = new List<StreamEntry>();
        if (after.TryNext(out var start)) stream.Range(start, StreamId.Max, count, false, entries);
        return entries;
    }

    /// <summary>A client blocked in XREAD: served once a key's last generated ID passes the ID it waits after
    /// (Redis's test, so an XADD whose entry was trimmed at once still wakes it, with no entries).</summary>
    private sealed class StreamWaiter(Session session, byte[][] keys, StreamId[] after, long count) : KeyWaiter(session, keys)
    {
        protected internal override bool CanServe(Store store, byte[] key)
            => store.StreamAtForRead(Session, key) is { } stream && stream.LastId > After(key);

        protected internal override object Serve(Store store, byte[] key)
        {
            var stream = store.StreamAtForRead(Session, key)!;
            return new List<StreamRead> { new(key, EntriesAfter(stream, After(key), count)) };
        }

        private StreamId After(byte[] key)
        {
            for (int i = 0; i < keys.Length; i++)
                if (keys[i].AsSpan().SequenceEqual(key)) return after[i];
            return StreamId.Max;
        }
    }

    /// <summary>For the serving worker, under the key's lock: the stream at the key, if it holds one.</summary>
    private StreamValue? StreamAtForRead(Session session, ReadOnlySpan<byte> key)
    {
        ref Entry entry = ref Live(ShardOf(key).DbIfExists(session.Db), key, NowMs());
        return Unsafe.IsNullRef(ref entry) ? null : entry.Value as StreamValue;
    }
}
