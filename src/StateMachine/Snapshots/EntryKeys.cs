using System.Buffers.Binary;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>
/// Finds the first key of an event body without knowing its kind's layout: every keyed event is a MessagePack
/// array whose first bin field is a key (Set [db, key, ...], Copy [db, source, db, destination], the data types'
/// [db, key, ...]); a Batch is [[kind, body], ...] whose body is walked the same way, whether nested as an array
/// or embedded as bin. Events with no key at all (FLUSHDB, FLUSHALL, SWAPDB) touch every shard.
/// </summary>
public static class EntryKeys
{
    /// <summary>The first key of the event, or empty (false) when it names none.</summary>
    public static bool TryFirstKey(byte kind, ReadOnlySpan<byte> body, out ReadOnlySpan<byte> key)
    {
        key = default;
        try
        {
            int position = 0;
            return kind == (byte)EventKind.Batch ? TryBatch(body, ref position, out key) : TryArray(body, ref position, out key);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidDataException)
        {
            return false;
        }
    }

    private static bool TryBatch(ReadOnlySpan<byte> body, scoped ref int p, out ReadOnlySpan<byte> key)
    {
        key = default;
        int count = ArrayHeader(body, ref p);
        for (int i = 0; i < count; i++)
        {
            int pair = ArrayHeader(body, ref p);
            if (pair < 2) { for (int j = 0; j < pair; j++) Skip(body, ref p); continue; }
            Skip(body, ref p); // the inner kind
            if (IsBin(body[p]))
            {
                var inner = Bin(body, ref p);
                int q = 0;
                if (TryArray(inner, ref q, out key)) return true;
            }
            else if (TryValue(body, ref p, out key)) return true;
            for (int j = 2; j < pair; j++) Skip(body, ref p);
        }
        return false;
    }

    private static bool TryArray(ReadOnlySpan<byte> body, scoped ref int p, out ReadOnlySpan<byte> key)
    {
        key = default;
        int count = ArrayHeader(body, ref p);
        for (int i = 0; i < count; i++)
            if (TryValue(body, ref p, out key)) return true;
        return false;
    }

    private static bool TryValue(ReadOnlySpan<byte> body, scoped ref int p, out ReadOnlySpan<byte> key)
    {
        key = default;
        byte code = body[p];
        if (IsBin(code)) { key = Bin(body, ref p); return true; }
        if (code is >= 0x90 and <= 0x9f or 0xdc or 0xdd) return TryArray(body, ref p, out key);
        Skip(body, ref p);
        return false;
    }

    private static bool IsBin(byte code) => code is 0xc4 or 0xc5 or 0xc6;

    private static ReadOnlySpan<byte> Bin(ReadOnlySpan<byte> body, scoped ref int p)
    {
        byte code = body[p++];
        int length = code switch
        {
            0xc4 => body[p],
            0xc5 => BinaryPrimitives.ReadUInt16BigEndian(body[p..]),
            _ => checked((int)BinaryPrimitives.ReadUInt32BigEndian(body[p..])),
        };
        p += code == 0xc4 ? 1 : code == 0xc5 ? 2 : 4;
        var bytes = body.Slice(p, length);
        p += length;
        return bytes;
    }

    private static int ArrayHeader(ReadOnlySpan<byte> body, scoped ref int p)
    {
        byte code = body[p++];
        if (code is >= 0x90 and <= 0x9f) return code & 0x0f;
        if (code == 0xdc) { p += 2; return BinaryPrimitives.ReadUInt16BigEndian(body[(p - 2)..]); }
        if (code == 0xdd) { p += 4; return checked((int)BinaryPrimitives.ReadUInt32BigEndian(body[(p - 4)..])); }
        throw new InvalidDataException("not an array");
    }

    /// <summary>Steps over one MessagePack value of any type.</summary>
    private static void Skip(ReadOnlySpan<byte> body, scoped ref int p)
    {
        byte code = body[p];
        switch (code)
        {
            case <= 0x7f or >= 0xe0 or 0xc0 or 0xc2 or 0xc3: p += 1; return;
            case >= 0xa0 and <= 0xbf: p += 1 + (code & 0x1f); return;
            case >= 0x90 and <= 0x9f or 0xdc or 0xdd:
            {
                int n = ArrayHeader(body, ref p);
                for (int i = 0; i < n; i++) Skip(body, ref p);
                return;
            }
            case >= 0x80 and <= 0x8f: p += 1; for (int i = 0; i < 2 * (code & 0x0f); i++) Skip(body, ref p); return;
            case 0xc4 or 0xc5 or 0xc6: Bin(body, ref p); return;
            case 0xcc or 0xd0: p += 2; return;
            case 0xcd or 0xd1: p += 3; return;
            case 0xce or 0xd2 or 0xca: p += 5; return;
            case 0xcf or 0xd3 or 0xcb: p += 9; return;
            case 0xd9: p += 2 + body[p + 1]; return;
            case 0xda: p += 3 + BinaryPrimitives.ReadUInt16BigEndian(body[(p + 1)..]); return;
            case 0xdb: p += 5 + checked((int)BinaryPrimitives.ReadUInt32BigEndian(body[(p + 1)..])); return;
            default: throw new InvalidDataException($"MessagePack code 0x{code:x2} not expected in an event");
        }
    }
}
