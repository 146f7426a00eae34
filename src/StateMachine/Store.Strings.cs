using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

public enum SetCondition { Always, IfNotExists, IfExists }

/// <summary>Strings and counters.</summary>
public sealed partial class Store
{
    /// <summary>Expiry argument meaning "leave the TTL as it is" (KEEPTTL, and counters).</summary>
    public const long KeepTtl = -1;

    /// <summary>A copy of the string at <paramref name="key"/>, or null. A copy, because the stored array may be
    /// overwritten in place once the lock is released (Store.StringsInPlace.cs); hot paths read it in place with
    /// <see cref="ReadString"/> instead.</summary>
    public byte[]? GetString(Session session, ReadOnlySpan<byte> key)
        => ReadString<int, byte[]?>(session, key, 0, static (value, _) => value.ToArray(), null);

    /// <summary>SET and its relatives. <paramref name="expireAt"/>: 0 none, <see cref="KeepTtl"/>, or Unix ms.
    /// Returns whether the value was written; <paramref name="previous"/> is the old string (for SET ... GET).</summary>
    public bool Set(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, SetCondition condition,
        long expireAt, bool wantPrevious, out byte[]? previous)
    {
        var shard = ShardOf(key);
        lock (shard.Lock)
        {
            if (condition == SetCondition.Always && !wantPrevious && expireAt != KeepTtl)
            {
                // Plain SET replaces whatever is there, expired or not: no need to look first.
                if (LogSet(session, key, value, expireAt) is { } notify) NotifySet(notify, session.Db, key, expireAt);
                previous = null;
                return true;
            }
            ref Entry entry = ref LiveForWrite(session, shard, key, NowMs());
            bool exists = !Unsafe.IsNullRef(ref entry);
            previous = exists && wantPrevious ? AsString(ref entry).ToArray() : null; // a copy: the SET may overwrite it in place
            if (condition == SetCondition.IfNotExists && exists) return false;
            if (condition == SetCondition.IfExists && !exists) return false;
            if (LogSet(session, key, value, exists || expireAt != KeepTtl ? expireAt : 0) is { } notified)
                NotifySet(notified, session.Db, key, expireAt);
            return true;
        }
    }

    /// <summary>SET's events: "set", and "expire" when it gave the key a time to live.</summary>
    private static void NotifySet(KeyspaceNotifier notify, int db, ReadOnlySpan<byte> key, long expireAt)
    {
        notify.Raise(KeyspaceEventTypes.String, "set"u8, db, key);
        if (expireAt > 0) notify.Raise(KeyspaceEventTypes.Generic, "expire"u8, db, key);
    }

    /// <summary>MSET / MSETNX over key-value pairs args[first], args[first+1], ... Atomic: all shards locked.</summary>
    public bool MultiSet<TArgs>(Session session, TArgs args, int first, bool onlyIfNoneExist) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        using var locks = LockKeys(args, first, 2, stackalloc ulong[MaskWords]);
        if (onlyIfNoneExist)
        {
            for (int i = first; i < args.Count; i += 2)
            {
                var key = args[i];
                var shard = ShardOf(key);
                if (!Unsafe.IsNullRef(ref Live(shard.DbIfExists(session.Db), key, now))) return false;
            }
        }
        var buffer = EventBuffer.Start(EventKind.MultiSet);
        buffer.WriteArrayHeader(1 + args.Count - first);
        buffer.Write(session.Db);
        for (int i = first; i < args.Count; i++) buffer.Write(args[i]);
        if (LogAndApply(session, buffer) is { } notify)
            for (int i = first; i < args.Count; i += 2) notify.Raise(KeyspaceEventTypes.String, "set"u8, session.Db, args[i]);
        return true;
    }

    public byte[]? GetDelete(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            if (Unsafe.IsNullRef(ref entry)) return null;
            var value = ExactString(entry.Value); // no longer stored once deleted: the caller may keep it
            LogDelete(session, session.Db, key)?.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, key);
            return value;
        }
    }

    /// <summary>GETEX: <paramref name="expireAt"/> is <see cref="KeepTtl"/> (no option), 0 (PERSIST) or Unix ms.</summary>
    public byte[]? GetAndExpire(Session session, ReadOnlySpan<byte> key, long expireAt)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            if (Unsafe.IsNullRef(ref entry)) return null;
            var value = AsString(ref entry).ToArray(); // a copy: a later SET may overwrite the stored one in place
            if (expireAt > 0 && expireAt <= now) LogDelete(session, session.Db, key)?.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, key);
            else if (expireAt > 0 || (expireAt == 0 && entry.ExpireAt != 0))
                LogExpire(session, key, expireAt)?.Raise(KeyspaceEventTypes.Generic, expireAt > 0 ? "expire"u8 : "persist"u8, session.Db, key);
            return value;
        }
    }

    public long Append(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> suffix)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            long length = Unsafe.IsNullRef(ref entry) ? 0 : AsString(ref entry).Length;
            LogKeyAndBytes(session, EventKind.Append, key, suffix)?.Raise(KeyspaceEventTypes.String, "append"u8, session.Db, key);
            return length + suffix.Length;
        }
    }

    public long SetRange(Session session, ReadOnlySpan<byte> key, int offset, ReadOnlySpan<byte> bytes)
    {
        // Checked here too, before anything is logged: an event that cannot apply would fail every replay.
        if (offset < 0 || (long)offset + bytes.Length > Array.MaxLength)
            throw new CommandError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            long length = Unsafe.IsNullRef(ref entry) ? 0 : AsString(ref entry).Length;
            if (bytes.IsEmpty) return length;
            var buffer = EventBuffer.Start(EventKind.SetRange);
                buffer.WriteArrayHeader(4);
            buffer.Write(session.Db);
            buffer.Write(key);
            buffer.Write(offset);
            buffer.Write(bytes);
            LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.String, "setrange"u8, session.Db, key);
            return Math.Max(length, (long)offset + bytes.Length);
        }
    }

    /// <summary>INCRBY and friends; logged as the resulting value with the TTL kept, as Redis propagates it.</summary>
    public long IncrementBy(Session session, ReadOnlySpan<byte> key, long delta)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            long current = 0;
            if (!Unsafe.IsNullRef(ref entry) && !Numbers.TryParseInt64(AsString(ref entry), out current))
                throw CommandError.NotInteger();
            if ((delta > 0 && current > long.MaxValue - delta) || (delta < 0 && current < long.MinValue - delta))
                throw CommandError.Overflow();
            long result = current + delta;
            Span<byte> text = stackalloc byte[20];
            Utf8Formatter.TryFormat(result, text, out int written);
            LogSet(session, key, text[..written], Unsafe.IsNullRef(ref entry) ? 0 : KeepTtl)?.Raise(KeyspaceEventTypes.String, "incrby"u8, session.Db, key);
            return result;
        }
    }

    /// <summary>INCRBYFLOAT in Redis's long double; returns the new value's text, exactly as stored and logged.
    /// Checked in Redis's order: the key's type, its value, the increment, the sum.</summary>
    public byte[] IncrementByFloat(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> increment)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref LiveForWrite(session, shard, key, now);
            var text = FloatSum(Unsafe.IsNullRef(ref entry) ? "0"u8 : AsString(ref entry), increment, "ERR value is not a valid float");
            LogSet(session, key, text, Unsafe.IsNullRef(ref entry) ? 0 : KeepTtl)?.Raise(KeyspaceEventTypes.String, "incrbyfloat"u8, session.Db, key);
            return text;
        }
    }

    /// <summary>INCRBYFLOAT's and HINCRBYFLOAT's sum of two texts, as Redis's ld2string writes it: in 128-bit integers
    /// when both are plain decimals exact in binary (<see cref="ExactDecimalSum"/>), else in the emulated long double,
    /// checked in Redis's order: the current value (<paramref name="currentNotFloat"/>), the increment, the sum.</summary>
    private static byte[] FloatSum(ReadOnlySpan<byte> current, ReadOnlySpan<byte> increment, string currentNotFloat)
    {
        Span<byte> exact = stackalloc byte[ExactDecimalSum.MaxLength];
        if (ExactDecimalSum.TryAdd(current, increment, exact, out int written)) return exact[..written].ToArray();
        if (!LongDouble.TryParse(current, out var value)) throw new CommandError(currentNotFloat);
        if (!LongDouble.TryParse(increment, out var delta)) throw CommandError.NotFloat();
        var sum = value + delta;
        if (sum.IsInfinity) throw new CommandError("ERR increment would produce NaN or Infinity");
        return sum.ToHumanText();
    }
}

/// <summary>Redis's number texts: strict integers (no spaces, no '+', no leading zeros) and finite floats.</summary>
public static class Numbers
{
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20) return false;
        if (text[0] == '0' && text.Length > 1) return false;
        if (text[0] == '-' && (text.Length == 1 || text[1] == '0')) return false;
        return Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length && (text[0] != '+');
    }

    /// <summary>Redis's getDoubleFromObject: the whole text is a strtod number (decimal, hexadecimal, inf/infinity;
    /// no blank at either end), not NaN; with <paramref name="rejectOutOfRange"/>, a text that overflows to infinity
    /// or underflows to zero (strtod's ERANGE) is refused too, as Redis refuses it everywhere but in score ranges.</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value, bool rejectOutOfRange = true)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 5000 || char.IsWhiteSpace((char)text[0]) || char.IsWhiteSpace((char)text[^1]))
            return false;
        var unsigned = text[0] is (byte)'+' or (byte)'-' ? text[1..] : text;
        if (unsigned.Length is > 0 and <= 15 && unsigned.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
        {
            // A whole number of up to 15 digits (most scores, ranges and increments) is exact as a long.
            long n = 0;
            foreach (byte digit in unsigned) n = n * 10 + (digit - '0');
            value = text[0] == '-' ? -(double)n : n; // "-0" is -0.0, as strtod reads it
            return true;
        }
        if (Ascii.EqualsIgnoreCase(unsigned, "inf"u8) || Ascii.EqualsIgnoreCase(unsigned, "infinity"u8))
        {
            // strtod's spellings of infinity, which Redis accepts
            value = text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (unsigned.Length > 2 && unsigned[0] == '0' && (unsigned[1] | 0x20) == 'x')
            return TryParseHexDouble(unsigned[2..], text[0] == '-', out value, rejectOutOfRange);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        if (double.IsNaN(value)) return false;
        if (rejectOutOfRange && double.IsInfinity(value)) return false; // overflow (the infinity words returned above)
        if (rejectOutOfRange && value == 0 && HasNonZeroDigit(unsigned)) return false; // underflow
        return true;
    }

    private static bool HasNonZeroDigit(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b is (byte)'e' or (byte)'E') return false;
            if (b is >= (byte)'1' and <= (byte)'9') return true;
        }
        return false;
    }

    private static bool TryParseHexDouble(ReadOnlySpan<byte> hex, bool negative, out double value, bool rejectOutOfRange)
    {
        value = 0;
        if (!FloatBits.TryScanHex(hex, out var n, out long e2)) return false;
        if (!n.IsZero)
        {
            if (e2 + (long)n.GetBitLength() > 1100) value = double.PositiveInfinity;
            else
            {
                var (kept, exponent) = FloatBits.Round(n, e2, sticky: false, bits: 53, minExponent: -1074);
                value = exponent > 971 ? double.PositiveInfinity : Math.ScaleB((double)kept, (int)exponent);
            }
            if (rejectOutOfRange && (double.IsInfinity(value) || value == 0)) return false;
        }
        if (negative) value = -value;
        return true;
    }
}
