using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>Arguments shared by the hash and set commands: SCAN cursors and options, random-pick counts.</summary>
public static class CollectionArgs
{
    /// <summary>
    /// The largest |count| a negative HRANDFIELD or SRANDMEMBER count may ask for (the same as ZRANDMEMBER's). Redis
    /// accepts up to 2^63-1 and then builds the reply until memory runs out; we refuse rather than let one command
    /// take the node down.
    /// </summary>
    public const long MaxRepeatedPicks = 10_000_000;

    /// <summary>A SCAN cursor as Redis reads it (strtoul): unsigned decimal, '+' or '-' allowed (a negative cursor
    /// wraps), no leading space, an empty argument is 0.</summary>
    public static ulong Cursor(ReadOnlySpan<byte> text)
    {
        var digits = text;
        bool negative = false;
        if (!digits.IsEmpty && digits[0] is (byte)'+' or (byte)'-')
        {
            negative = digits[0] == '-';
            digits = digits[1..];
            if (digits.IsEmpty) throw InvalidCursor();
        }
        ulong value = 0;
        foreach (byte b in digits)
        {
            if (b < '0' || b > '9') throw InvalidCursor();
            if (value > (ulong.MaxValue - (ulong)(b - '0')) / 10) throw InvalidCursor();
            value = value * 10 + (ulong)(b - '0');
        }
        return negative ? unchecked(0 - value) : value;
    }

    private static CommandError InvalidCursor() => new("ERR invalid cursor");

    /// <summary>[MATCH pattern] [COUNT count] from args[first..]. Redis checks them only once it found the key,
    /// so a mistake is returned as <paramref name="error"/> rather than thrown.</summary>
    public static void ScanOptions(CommandArgs a, int first, out int pattern, out int count, out CommandError? error)
    {
        pattern = -1;
        count = 10;
        error = null;
        for (int i = first; i < a.Count; i += 2)
        {
            if (i + 1 >= a.Count) { error = CommandError.Syntax(); return; }
            if (a.Is(i, "COUNT"u8))
            {
                if (!Numbers.TryParseInt64(a[i + 1], out long n)) { error = CommandError.NotInteger(); return; }
                if (n < 1) { error = CommandError.Syntax(); return; }
                count = (int)Math.Min(n, int.MaxValue);
            }
            else if (a.Is(i, "MATCH"u8)) pattern = i + 1;
            else { error = CommandError.Syntax(); return; }
        }
    }

    /// <summary>The count of HRANDFIELD and SRANDMEMBER: any 64-bit integer but the smallest.</summary>
    public static long RandomCount(ReadOnlySpan<byte> text)
    {
        long count = ArgParse.Int64(text);
        if (count == long.MinValue)
            throw new CommandError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        if (count < -MaxRepeatedPicks) throw new CommandError("ERR value is out of range");
        return count;
    }

    /// <summary>The reply of HSCAN and SSCAN: [cursor, [items...]].</summary>
    public static void ScanReply(RespWriter r, ulong cursor, List<byte[]> items)
    {
        r.ArrayHeader(2);
        r.Bulk(cursor.ToString(System.Globalization.CultureInfo.InvariantCulture));
        r.ArrayHeader(items.Count);
        foreach (var item in items) r.Bulk(item);
    }

    public static void BulkArray(RespWriter r, byte[][] items)
    {
        r.ArrayHeader(items.Length);
        foreach (var item in items) r.Bulk(item);
    }

    public static void BulkSet(RespWriter r, byte[][] items)
    {
        r.SetHeader(items.Length);
        foreach (var item in items) r.Bulk(item);
    }
}
