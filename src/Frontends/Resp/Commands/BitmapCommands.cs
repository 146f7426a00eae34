using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO: argument parsing in Redis's order, so the
/// same bad request gets the same error; the bit algorithms live in StateMachine/Values/Bitmap.cs and BitField.cs.</summary>
public static class BitmapCommands
{
    private const string BitOffsetError = "ERR bit offset is not an integer or out of range";
    private const string BitValueError = "ERR bit is not an integer or out of range";
    private const string BitFieldTypeError = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

    public static void Register(CommandTable t)
    {
        const CommandFlags R = CommandFlags.ReadOnly, W = CommandFlags.Write;
        t.Key("setbit", 4, W, SetBit);
        t.Key("getbit", 3, R | CommandFlags.Fast, (c, a, r) =>
        {
            long offset = BitOffset(c, a[2], 0);
            r.Integer(c.Store.ReadString(c.Session, a[1], offset, static (value, at) => Bitmap.GetBit(value, at), 0));
        });
        t.Key("bitcount", -2, R, BitCount);
        t.Key("bitpos", -3, R, BitPos);
        t.Add("bitop", -4, W, BitOp, 2, -1, 1);
        t.Key("bitfield", -2, W, (c, a, r) => BitField(c, a, r, readOnly: false));
        t.Key("bitfield_ro", -2, R | CommandFlags.Fast, (c, a, r) => BitField(c, a, r, readOnly: true));
    }

    /// <summary>A bit offset: 0 ≤ offset, offset / 8 &lt; proto-max-bulk-len (2^32 - 1 at most by default).
    /// With <paramref name="fieldBits"/> &gt; 0, "#n" means the n-th field of that width (BITFIELD).</summary>
    private static long BitOffset(RespClient c, ReadOnlySpan<byte> text, int fieldBits)
    {
        bool indexed = fieldBits > 0 && text.Length > 0 && text[0] == '#';
        if (!Numbers.TryParseInt64(indexed ? text[1..] : text, out long offset)) throw new CommandError(BitOffsetError);
        if (indexed) offset = unchecked(offset * fieldBits);
        // A .NET array holds at most Array.MaxLength bytes, whatever proto-max-bulk-len is raised to.
        long maxBytes = Math.Min(c.Node.Config.ProtoMaxBulkLen, Array.MaxLength - 8);
        if (offset < 0 || (offset >> 3) >= maxBytes) throw new CommandError(BitOffsetError);
        return offset;
    }

    private static void SetBit(RespClient c, CommandArgs a, RespWriter r)
    {
        long offset = BitOffset(c, a[2], 0);
        if (!Numbers.TryParseInt64(a[3], out long bit) || (bit & ~1L) != 0) throw new CommandError(BitValueError);
        r.Integer(c.Store.SetBit(c.Session, a[1], offset, (int)bit));
    }

    /// <summary>BITCOUNT key [start end [BYTE|BIT]]. As Redis 7.0: a missing key is 0 before the range is parsed.
    /// The string is read in place, under its shard lock (see <see cref="Store.ReadString"/>).</summary>
    private static void BitCount(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!c.Store.ReadString(c.Session, a[1], (a, r), static (value, s) => BitCountOf(value, s.a, s.r), false))
            r.Integer(0);
    }

    private static bool BitCountOf(ReadOnlySpan<byte> value, CommandArgs a, RespWriter r)
    {
        if (a.Count == 2)
        {
            r.Integer(Bitmap.PopCount(value));
            return true;
        }
        if (a.Count is not (4 or 5)) throw CommandError.Syntax();
        long start = ArgParse.Int64(a[2]), end = ArgParse.Int64(a[3]);
        if (start < 0 && end < 0 && start > end)
        {
            r.Integer(0);
            return true;
        }
        bool inBits = a.Count == 5 && Unit(a, 4);
        r.Integer(Bitmap.TryResolveRange(value.Length, start, end, inBits, out long from, out long to) ? Bitmap.Count(value, from, to) : 0);
        return true;
    }

    /// <summary>BITPOS key bit [start [end [BYTE|BIT]]].</summary>
    private static void BitPos(RespClient c, CommandArgs a, RespWriter r)
    {
        long bit = ArgParse.Int64(a[2]);
        if (bit is not (0 or 1)) throw new CommandError("ERR The bit argument must be 1 or 0.");
        if (!c.Store.ReadString(c.Session, a[1], (a, r, bit), static (value, s) => BitPosOf(value, s.a, s.r, s.bit), false))
            r.Integer(bit == 1 ? -1 : 0); // a missing key is an endless run of zeros
    }

    private static bool BitPosOf(ReadOnlySpan<byte> value, CommandArgs a, RespWriter r, long bit)
    {
        long start = 0, end = -1;
        bool inBits = false, endGiven = false;
        if (a.Count is >= 4 and <= 6)
        {
            start = ArgParse.Int64(a[3]);
            if (a.Count == 6) inBits = Unit(a, 5);
            if (a.Count >= 5)
            {
                end = ArgParse.Int64(a[4]);
                endGiven = true;
            }
        }
        else if (a.Count != 3) throw CommandError.Syntax();
        if (!Bitmap.TryResolveRange(value.Length, start, end, inBits, out long from, out long to))
        {
            r.Integer(-1);
            return true;
        }
        long found = Bitmap.Find(value, (int)bit, from, to);
        // No clear bit in the string: without an explicit end, the string continues with zeros.
        if (found < 0 && bit == 0 && !endGiven) found = to + 1;
        r.Integer(found);
        return true;
    }

    private static bool Unit(CommandArgs a, int index)
    {
        if (a.Is(index, "BIT"u8)) return true;
        if (a.Is(index, "BYTE"u8)) return false;
        throw CommandError.Syntax();
    }

    private static void BitOp(RespClient c, CommandArgs a, RespWriter r)
    {
        BitOperation operation;
        if (a.Is(1, "AND"u8)) operation = BitOperation.And;
        else if (a.Is(1, "OR"u8)) operation = BitOperation.Or;
        else if (a.Is(1, "XOR"u8)) operation = BitOperation.Xor;
        else if (a.Is(1, "NOT"u8)) operation = BitOperation.Not;
        else throw CommandError.Syntax();
        if (operation == BitOperation.Not && a.Count != 4) throw new CommandError("ERR BITOP NOT must be called with a single source key.");
        r.Integer(c.Store.BitOp(c.Session, operation, a, 2, 3));
    }

    /// <summary>BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
    /// [OVERFLOW WRAP|SAT|FAIL]...; every subcommand is parsed (and refused) before anything runs.</summary>
    private static void BitField(RespClient c, CommandArgs a, RespWriter r, bool readOnly)
    {
        var ops = new List<BitFieldOp>();
        var overflow = BitFieldOverflow.Wrap;
        bool writes = false;
        for (int i = 2; i < a.Count; i++)
        {
            int remaining = a.Count - i - 1;
            BitFieldOpKind kind;
            if (a.Is(i, "GET"u8) && remaining >= 2) kind = BitFieldOpKind.Get;
            else if (a.Is(i, "SET"u8) && remaining >= 3) kind = BitFieldOpKind.Set;
            else if (a.Is(i, "INCRBY"u8) && remaining >= 3) kind = BitFieldOpKind.IncrBy;
            else if (a.Is(i, "OVERFLOW"u8) && remaining >= 1)
            {
                i++;
                if (a.Is(i, "WRAP"u8)) overflow = BitFieldOverflow.Wrap;
                else if (a.Is(i, "SAT"u8)) overflow = BitFieldOverflow.Sat;
                else if (a.Is(i, "FAIL"u8)) overflow = BitFieldOverflow.Fail;
                else throw new CommandError("ERR Invalid OVERFLOW type specified");
                continue;
            }
            else throw CommandError.Syntax();

            var (signed, bits) = FieldType(a[i + 1]);
            long offset = BitOffset(c, a[i + 2], bits);
            long value = 0;
            if (kind != BitFieldOpKind.Get)
            {
                writes = true;
                value = ArgParse.Int64(a[i + 3]);
            }
            ops.Add(new BitFieldOp(kind, signed, bits, offset, value, overflow));
            i += kind == BitFieldOpKind.Get ? 2 : 3;
        }
        if (writes && readOnly) throw new CommandError("ERR BITFIELD_RO only supports the GET subcommand");
        var replies = new long?[ops.Count];
        c.Store.BitField(c.Session, a[1], System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ops), replies);
        r.ArrayHeader(replies.Length);
        foreach (var reply in replies)
        {
            if (reply is { } n) r.Integer(n);
            else r.NullBulk();
        }
    }

    /// <summary>i1..i64 or u1..u63 (lower case only, as Redis).</summary>
    private static (bool Signed, int Bits) FieldType(ReadOnlySpan<byte> text)
    {
        if (text.Length < 2 || (text[0] != 'i' && text[0] != 'u') || !Numbers.TryParseInt64(text[1..], out long bits))
            throw new CommandError(BitFieldTypeError);
        bool signed = text[0] == 'i';
        if (bits < 1 || bits > (signed ? 64 : 63)) throw new CommandError(BitFieldTypeError);
        return (signed, (int)bits);
    }
}
