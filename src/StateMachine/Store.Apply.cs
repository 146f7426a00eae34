using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

public sealed partial class Store
{
    /// <summary>
    /// The one way state changes. Never reads the clock and never logs: given the same events in the same order it
    /// builds the same state. Callers hold the locks of the shards the event touches (replay is single-threaded).
    /// Returns false when applying a known event failed: that is a fault (<see cref="ApplyFault"/>), contained here
    /// alike live, on replay and on replicas, so a logged event a bug cannot apply never stops a node from starting.
    /// An event of an unknown kind throws <see cref="UnknownEventKindException"/>.
    /// </summary>
    public bool Apply(byte kind, ReadOnlySpan<byte> body)
    {
        try
        {
            ApplyEvent(kind, body);
            return true;
        }
        catch (Exception e) when (e is not UnknownEventKindException)
        {
            Faulted(kind, e);
            return false;
        }
    }

    /// <summary>Apply without containing faults: loading a snapshot, where an event that does not apply means the
    /// file is damaged and the one before it is used instead.</summary>
    internal void ApplyStrict(byte kind, ReadOnlySpan<byte> body) => ApplyEvent(kind, body);

    private void ApplyEvent(byte kind, ReadOnlySpan<byte> body)
    {
        var r = new EventReader(body);
        int fields = r.ReadArrayHeader();
        switch (kind)
        {
            case (byte)EventKind.Set:
            {
                int db = r.ReadInt32();
                var key = r.ReadBytes();
                var value = r.ReadBytes();
                ApplySet(db, key, value, r.ReadInt64());
                break;
            }
            case (byte)EventKind.Delete:
            {
                int db = r.ReadInt32();
                for (int i = 1; i < fields; i++) ApplyDelete(db, r.ReadBytes());
                break;
            }
            case (byte)EventKind.Expire:
            {
                int db = r.ReadInt32();
                var key = r.ReadBytes();
                ApplyExpire(db, key, r.ReadInt64());
                break;
            }
            case (byte)EventKind.Append:
            {
                int db = r.ReadInt32();
                var key = r.ReadBytes();
                ApplyAppend(db, key, r.ReadBytes());
                break;
            }
            case (byte)EventKind.SetRange:
            {
                int db = r.ReadInt32();
                var key = r.ReadBytes();
                int offset = r.ReadInt32();
                ApplySetRange(db, key, offset, r.ReadBytes());
                break;
            }
            case (byte)EventKind.MultiSet:
            {
                int db = r.ReadInt32();
                for (int i = 1; i < fields; i += 2)
                {
                    var key = r.ReadBytes();
                    ApplySet(db, key, r.ReadBytes(), 0);
                }
                break;
            }
            case (byte)EventKind.Rename:
            {
                int db = r.ReadInt32();
                var source = r.ReadBytes();
                var destination = r.ReadBytes();
                ApplyCopy(db, source, db, destination, removeSource: true);
                break;
            }
            case (byte)EventKind.Copy:
            {
                int sourceDb = r.ReadInt32();
                var source = r.ReadBytes();
                int destinationDb = r.ReadInt32();
                ApplyCopy(sourceDb, source, destinationDb, r.ReadBytes(), removeSource: false);
                break;
            }
            case (byte)EventKind.FlushDb:
            {
                int db = r.ReadInt32();
                foreach (var shard in _shards) shard.DbIfExists(db)?.Clear();
                SignalWaitedKeys(db);
                break;
            }
            case (byte)EventKind.FlushAll:
                foreach (var shard in _shards)
                    for (int db = 0; db < Databases; db++) shard.DbIfExists(db)?.Clear();
                for (int db = 0; db < Databases; db++) SignalWaitedKeys(db);
                break;
            case (byte)EventKind.SwapDb:
            {
                int a = r.ReadInt32(), b = r.ReadInt32();
                foreach (var shard in _shards) shard.Swap(a, b);
                SignalWaitedKeys(a);
                SignalWaitedKeys(b);
                break;
            }
            case (byte)EventKind.Batch:
                ApplyBatch(ref r, fields);
                break;
            case (byte)EventKind.ReplicationMark:
                ApplyReplicationMark(body);
                break;
            case (byte)EventKind.Publish:
                break; // a message, not state: only a live replica delivers it (Store.Publish.cs)
            // Each data type applies its own events (kind ranges in EventKind.cs), in its own Store.<Type>.cs.
            case >= (byte)EventKind.ListFirst and <= (byte)EventKind.ListLast:
                ApplyList((EventKind)kind, ref r, fields);
                break;
            case >= (byte)EventKind.HashFirst and <= (byte)EventKind.HashLast:
                ApplyHash((EventKind)kind, ref r, fields);
                break;
            case >= (byte)EventKind.SetFirst and <= (byte)EventKind.SetLast:
                ApplySet((EventKind)kind, ref r, fields);
                break;
            case >= (byte)EventKind.SortedSetFirst and <= (byte)EventKind.SortedSetLast:
                ApplySortedSet((EventKind)kind, ref r, fields);
                break;
            case >= (byte)EventKind.BitmapFirst and <= (byte)EventKind.BitmapLast:
                ApplyBitmap((EventKind)kind, ref r, fields);
                break;
            case >= (byte)EventKind.CuckooFirst and <= (byte)EventKind.CuckooLast:
                ApplyCuckoo((EventKind)kind, ref r, fields);
                break;
            case >= (byte)EventKind.StreamFirst and <= (byte)EventKind.StreamLast:
                ApplyStream((EventKind)kind, ref r, fields);
                break;
            case (byte)EventKind.FunctionLoad or (byte)EventKind.FunctionDelete or (byte)EventKind.FunctionFlush
                or (byte)EventKind.FunctionRestore:
                ApplyFunction((EventKind)kind, ref r, fields);
                break;
            default:
                throw new UnknownEventKindException($"unknown event kind {kind}");
        }
    }

    /// <summary>After a flush or SWAPDB, every key of <paramref name="db"/> someone blocks on may have gone or come:
    /// as in Redis, an XREADGROUP on a stream that went hears UNBLOCKED, a pop on a list the swap brought in is
    /// served, and the others wait on. One volatile read when nobody is blocked.</summary>
    private void SignalWaitedKeys(int db)
    {
        foreach (var key in _waiters.KeysWaitedIn(db)) SignalKeyReady(db, key);
    }

    private void ApplyDelete(int db, ReadOnlySpan<byte> key)
    {
        if (ShardOf(key).DbIfExists(db)?.Remove(key) == true)
            SignalKeyReady(db, key); // an XREADGROUP blocked on a deleted stream hears UNBLOCKED, as in Redis
    }

    private void ApplyExpire(int db, ReadOnlySpan<byte> key, long expireAt)
    {
        var database = ShardOf(key).Db(db);
        ref Entry entry = ref database.Find(key);
        if (!Unsafe.IsNullRef(ref entry)) database.SetExpiry(key, ref entry, expireAt);
    }

    /// <summary>APPEND: to a missing key it is a SET (an exact array, as Redis's embstr/raw by length); to an existing
    /// string it appends in place when the key's <see cref="Values.StringBuffer"/> has room, else moves the string
    /// into a bigger one. No in-place append while a snapshot shares the stored strings.</summary>
    private void ApplyAppend(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> suffix)
    {
        var database = ShardOf(key).Db(db);
        ref Entry entry = ref database.GetOrAdd(key, out bool existed);
        bool inPlace = existed && entry.Value is Values.StringBuffer buffer && Volatile.Read(ref _cut) is null && buffer.TryAppend(suffix);
        if (!inPlace)
            database.SetValue(ref entry, existed ? Values.StringBuffer.Joined(StringSpan(entry.Value), suffix) : suffix.ToArray());
        TouchApplied(ref entry, existed);
    }

    /// <summary>SETRANGE: in place when the bytes land inside the stored string (or inside a
    /// <see cref="Values.StringBuffer"/>'s room), as Redis does; past the end, into a string with room to spare, so
    /// a string built up by SETRANGE at growing offsets is not copied whole each time. A missing key becomes an exact
    /// array. Never in place while a snapshot shares the stored strings, nor on a HyperLogLog (see
    /// <see cref="MayChangeInPlace"/>).</summary>
    private void ApplySetRange(int db, ReadOnlySpan<byte> key, int offset, ReadOnlySpan<byte> bytes)
    {
        var database = ShardOf(key).Db(db);
        ref Entry entry = ref database.GetOrAdd(key, out bool existed);
        if (!existed || !TrySetRangeInPlace(database, ref entry, offset, bytes))
        {
            var old = existed ? StringSpan(entry.Value) : [];
            Values.StringBuffer value;
            if (existed && offset + bytes.Length > old.Length) value = Values.StringBuffer.Spliced(old, offset, bytes);
            else
            {
                value = Values.StringBuffer.Zeroed(Math.Max(old.Length, offset + bytes.Length)); // raw, as Redis makes it
                old.CopyTo(value.Buffer);
                bytes.CopyTo(value.Buffer.AsSpan(offset));
            }
            database.SetValue(ref entry, value);
        }
        TouchApplied(ref entry, existed);
    }

    private bool TrySetRangeInPlace(Keyspace.Database database, ref Entry entry, int offset, ReadOnlySpan<byte> bytes)
    {
        if (entry.Value is Values.StringBuffer buffer) return MayChangeInPlace(buffer.Span) && buffer.TryWrite(offset, bytes);
        if (entry.Value is not byte[] array || (long)offset + bytes.Length > array.Length || !MayChangeInPlace(array)) return false;
        bytes.CopyTo(array.AsSpan(offset));
        database.SetValue(ref entry, Values.StringBuffer.Wrap(array)); // now raw, as Redis's SETRANGE leaves it
        return true;
    }

    private void ApplyCopy(int sourceDb, ReadOnlySpan<byte> source, int destinationDb, ReadOnlySpan<byte> destination, bool removeSource)
    {
        var from = ShardOf(source).Db(sourceDb);
        ref Entry found = ref from.Find(source);
        if (Unsafe.IsNullRef(ref found)) return;
        object value = removeSource ? found.Value : CopyValue(found.Value);
        long expireAt = found.ExpireAt;
        if (removeSource) from.Remove(source);
        var to = ShardOf(destination).Db(destinationDb);
        ref Entry entry = ref to.GetOrAdd(destination, out bool existed);
        to.SetValue(ref entry, value);
        TouchApplied(ref entry, existed);
        to.SetExpiry(destination, ref entry, expireAt);
        SignalKeyReady(destinationDb, destination); // a list renamed onto a key someone blocks on serves them
    }

    /// <summary>A string may be overwritten in place (Store.StringsInPlace.cs), so a copy gets its own array;
    /// collections clone themselves.</summary>
    private static object CopyValue(object value) => value switch
    {
        Values.CollectionValue collection => collection.Clone(),
        Values.StringBuffer raw => Values.StringBuffer.Wrap(raw.Span.ToArray()), // a raw string's copy is raw, as Redis's
        _ => StringSpan(value).ToArray(),
    };
}
