using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>
/// Bitmaps: SETBIT, BITFIELD and BITOP (reads such as GETBIT, BITCOUNT and BITPOS read the string in place under
/// its lock, through <see cref="ReadString"/>). Bitmaps are plain strings; Apply writes the bits into the stored
/// string where it lies when it may change in place (as SETRANGE does), so a bit write costs O(1), not a copy of
/// the whole bitmap.
/// Events (kinds BitmapFirst..BitmapLast, shared with HyperLogLog in Store.HyperLogLog.cs):
/// </summary>
public sealed partial class Store
{
    /// <summary>[db, key, offset, bit] — the string grows (zero-filled) to hold the bit; the TTL is kept.</summary>
    internal const EventKind SetBitEvent = EventKind.BitmapFirst;
    /// <summary>[db, key, length, offset, bits, value, offset, bits, value...] — grow to at least length bytes, then
    /// write each field (the low bits of value, most significant first); the TTL is kept.</summary>
    internal const EventKind BitFieldEvent = EventKind.BitmapFirst + 1;
    /// <summary>[db, key, registers] — registers: 3 bytes per raised register (index big-endian u16, count u8), applied
    /// in order to the HLL (created empty when the key is missing). See Store.HyperLogLog.cs.</summary>
    internal const EventKind PfAddEvent = EventKind.BitmapFirst + 2;
    /// <summary>[db, destination, operation, source...] — BITOP over the sources as they are (a missing one is
    /// empty); the destination becomes the result, without a TTL. Written only for a non-empty result.</summary>
    internal const EventKind BitOpEvent = EventKind.BitmapFirst + 3;

    /// <summary>SETBIT; returns the bit's previous value. Logs nothing when neither the bit nor the length changes.</summary>
    public int SetBit(Session session, ReadOnlySpan<byte> key, long offset, int bit)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, NowMs());
            bool exists = !Unsafe.IsNullRef(ref entry);
            var old = exists ? AsString(ref entry) : [];
            int previous = Bitmap.GetBit(old, offset);
            if (!exists || (offset >> 3) >= old.Length || previous != bit)
            {
                var buffer = EventBuffer.Start(SetBitEvent);
                buffer.WriteArrayHeader(4);
                buffer.Write(session.Db);
                buffer.Write(key);
                buffer.Write(offset);
                buffer.Write(bit);
                LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.String, "setbit"u8, session.Db, key);
            }
            else _notify?.Raise(KeyspaceEventTypes.String, "setbit"u8, session.Db, key); // Redis publishes it unchanged too
            return previous;
        }
    }

    /// <summary>
    /// BITFIELD / BITFIELD_RO. <paramref name="replies"/> gets one entry per op (null: an overflow under FAIL).
    /// With any SET or INCRBY the key is created or grown to the farthest bit written, even when every write
    /// fails, as in Redis; the writes that happened are logged as their resulting fields, and nothing is logged
    /// when they change no bit of an existing key that does not grow.
    /// </summary>
    public void BitField(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<BitFieldOp> ops, Span<long?> replies)
    {
        long highestBit = -1;
        int writeOps = 0;
        foreach (var op in ops)
        {
            if (!op.Writes) continue;
            writeOps++;
            highestBit = Math.Max(highestBit, op.Offset + op.Bits - 1);
        }
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            if (writeOps == 0)
            {
                ref Entry found = ref Live(shard.DbIfExists(session.Db), key, now);
                var current = Unsafe.IsNullRef(ref found) ? [] : AsString(ref found);
                for (int i = 0; i < ops.Length; i++) replies[i] = Read(ops[i], current);
                return;
            }
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            bool exists = !Unsafe.IsNullRef(ref entry);
            var old = exists ? AsString(ref entry) : [];
            long length = Math.Max(old.Length, (highestBit >> 3) + 1);
            // Run the ops on a scratch copy of just the bytes they touch (later ops see earlier writes, and the
            // replies come from it); Apply then writes the resulting fields into the stored string.
            long first = long.MaxValue, last = 0;
            foreach (var op in ops)
            {
                first = Math.Min(first, op.Offset >> 3);
                last = Math.Max(last, (op.Offset + op.Bits - 1) >> 3);
            }
            var scratch = new byte[last - first + 1];
            if (first < old.Length) old.Slice((int)first, (int)Math.Min(old.Length - first, scratch.Length)).CopyTo(scratch);
            long shift = first << 3;
            Span<(long Offset, int Bits, ulong Field)> writes = writeOps <= 64
                ? stackalloc (long, int, ulong)[writeOps] : new (long, int, ulong)[writeOps];
            int written = 0;
            bool changed = false;
            for (int i = 0; i < ops.Length; i++)
            {
                var op = ops[i] with { Offset = ops[i].Offset - shift };
                if (!op.Writes)
                {
                    replies[i] = Read(op, scratch);
                    continue;
                }
                if (!Values.BitField.TryWrite(op, scratch, out ulong field, out long reply))
                {
                    replies[i] = null;
                    continue;
                }
                ulong mask = op.Bits == 64 ? ulong.MaxValue : (1UL << op.Bits) - 1; // a signed field is sign-extended
                changed |= Values.BitField.GetUnsigned(scratch, op.Offset, op.Bits) != (field & mask);
                Values.BitField.Set(scratch, op.Offset, op.Bits, field);
                writes[written++] = (op.Offset + shift, op.Bits, field);
                replies[i] = reply;
            }
            // As Redis: no event (nor "setbit" notification) when the key neither appears, grows nor changes.
            if (exists && old.Length == length && !changed) return;
            var buffer = EventBuffer.Start(BitFieldEvent);
            buffer.WriteArrayHeader(3 + 3 * written);
            buffer.Write(session.Db);
            buffer.Write(key);
            buffer.Write(length);
            foreach (var (offset, bits, field) in writes[..written])
            {
                buffer.Write(offset);
                buffer.Write(bits);
                buffer.Write((long)field);
            }
            var notify = LogAndApply(session, buffer);
            // Redis publishes "setbit" when a SET/INCRBY op was carried out (an overflow under FAIL is not).
            if (written > 0) notify?.Raise(KeyspaceEventTypes.String, "setbit"u8, session.Db, key);
        }
    }

    private static long Read(in BitFieldOp op, ReadOnlySpan<byte> value)
        => op.Signed ? Values.BitField.GetSigned(value, op.Offset, op.Bits) : (long)Values.BitField.GetUnsigned(value, op.Offset, op.Bits);

    /// <summary>
    /// BITOP of the keys args[firstSource..] into args[destination]; returns the result's length. Logged as the
    /// operation over the named keys (<see cref="BitOpEvent"/>), not as its result, as Redis's AOF logs the command:
    /// the result is as long as the longest source (up to 512 MB), and Apply computes the same bytes from the same
    /// state. An expired source is deleted (logged) first, so Apply finds every source as this call saw it. An
    /// empty result deletes the destination.
    /// </summary>
    public long BitOp<TArgs>(Session session, BitOperation operation, TArgs args, int destination, int firstSource)
        where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        using var locks = LockKeys(args, Math.Min(destination, firstSource), 1, stackalloc ulong[MaskWords]);
        long length = 0;
        for (int i = firstSource; i < args.Count; i++)
        {
            var key = args[i];
            ref Entry entry = ref LiveForWrite(session, ShardOf(key), key, now);
            if (!Unsafe.IsNullRef(ref entry)) length = Math.Max(length, AsString(ref entry).Length); // WRONGTYPE first
        }
        var target = args[destination];
        if (length > 0)
        {
            var buffer = EventBuffer.Start(BitOpEvent);
            buffer.WriteArrayHeader(3 + args.Count - firstSource);
            buffer.Write(session.Db);
            buffer.Write(target);
            buffer.Write((int)operation);
            for (int i = firstSource; i < args.Count; i++) buffer.Write(args[i]);
            LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.String, "set"u8, session.Db, target);
        }
        else if (ShardOf(target).DbIfExists(session.Db) is { } db && !Unsafe.IsNullRef(ref db.Find(target)))
            LogDelete(session, session.Db, target)?.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, target);
        return length;
    }

    /// <summary>Apply of a BITOP: the result of the sources as they are now, stored as a plain string without a TTL
    /// (Redis's setKey). The write path logs only a non-empty result.</summary>
    private void ApplyBitOp(int db, ReadOnlySpan<byte> destination, BitOperation operation, ref EventReader r, int sourceCount)
    {
        var sources = new ReadOnlyMemory<byte>[sourceCount]; // a missing key: empty
        for (int i = 0; i < sources.Length; i++)
        {
            var key = r.ReadBytes();
            ref Entry entry = ref FindIn(ShardOf(key), db, key);
            if (!Unsafe.IsNullRef(ref entry)) sources[i] = StringMemory(entry.Value);
        }
        int length = Bitmap.ResultLength(sources);
        var target = ShardOf(destination).Db(db);
        ref Entry stored = ref target.GetOrAdd(destination, out bool existed);
        // Into the destination's own string when a bitmap write made it, it is as long as the result and it may
        // change in place (a BITOP repeated into one key, the usual shape): a big result allocated each time churns
        // the large-object heap. Otherwise a new raw string, as Redis's.
        if (existed && stored.Value is Values.StringBuffer buffer && buffer.Length == length && MayChangeInPlace(buffer.Span))
            Bitmap.Combine(operation, sources, buffer.Buffer.AsSpan(0, length));
        else
        {
            var result = Values.StringBuffer.Zeroed(length);
            Bitmap.Combine(operation, sources, result.Buffer);
            target.SetValue(ref stored, result);
        }
        TouchApplied(ref stored, existed);
        target.SetExpiry(destination, ref stored, 0);
    }

    private void ApplyBitmap(EventKind kind, ref EventReader r, int fields)
    {
        int db = r.ReadInt32();
        var key = r.ReadBytes();
        switch (kind)
        {
            case SetBitEvent:
            {
                long offset = r.ReadInt64();
                int bit = r.ReadInt32();
                Bitmap.SetBit(WritableString(db, key, (offset >> 3) + 1), offset, bit);
                break;
            }
            case BitFieldEvent:
            {
                var value = WritableString(db, key, r.ReadInt64());
                for (int i = 3; i < fields; i += 3)
                {
                    long offset = r.ReadInt64();
                    int bits = r.ReadInt32();
                    Values.BitField.Set(value, offset, bits, (ulong)r.ReadInt64());
                }
                break;
            }
            case PfAddEvent:
                ApplyPfAdd(db, key, r.ReadBytes());
                break;
            case BitOpEvent:
                ApplyBitOp(db, key, (BitOperation)r.ReadInt32(), ref r, fields - 3);
                break;
            default:
                throw new UnknownEventKindException($"unknown Bitmaps event kind {(byte)kind}");
        }
    }

    /// <summary>
    /// The key's string (a new empty one when it is missing), at least <paramref name="length"/> bytes long with any
    /// new bytes zero, to write bits into. In place when the stored string may change where it lies
    /// (<see cref="MayChangeInPlace"/>) and is long enough, or has the room (a string grown by APPEND, SETRANGE or a
    /// bit write); one that must grow moves into a string with room to spare (as Redis's sdsgrowzero), so a bitmap
    /// set at rising offsets is not copied whole each time; a missing key becomes a raw string of exactly that length.
    /// </summary>
    private Span<byte> WritableString(int db, ReadOnlySpan<byte> key, long length)
    {
        var database = ShardOf(key).Db(db);
        ref Entry entry = ref database.GetOrAdd(key, out bool existed);
        TouchApplied(ref entry, existed);
        if (!existed)
        {
            var created = Values.StringBuffer.Zeroed(checked((int)length));
            database.SetValue(ref entry, created);
            return created.Buffer;
        }
        switch (entry.Value)
        {
            case byte[] array when array.Length >= length && MayChangeInPlace(array):
                database.SetValue(ref entry, Values.StringBuffer.Wrap(array)); // now raw, as Redis's bit writes leave it
                return array;
            case Values.StringBuffer buffer when MayChangeInPlace(buffer.Span) && buffer.TryWrite(checked((int)length), []):
                return buffer.Buffer.AsSpan(0, buffer.Length);
        }
        var old = StringSpan(entry.Value);
        if (length > old.Length)
        {
            var grown = Values.StringBuffer.Spliced(old, checked((int)length), []);
            database.SetValue(ref entry, grown);
            return grown.Buffer.AsSpan(0, grown.Length);
        }
        var copy = Values.StringBuffer.Wrap(old.ToArray());
        database.SetValue(ref entry, copy);
        return copy.Buffer;
    }
}
