using System.Buffers.Binary;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Dump;

/// <summary>
/// RESTORE's reader: checks a DUMP payload's footer (RDB version, CRC-64), then turns the RDB value into what a key
/// holds here: a byte[] for a string, or a fresh (unstored) list, hash, set, sorted set or stream. Every encoding Redis 7.0
/// writes is read (streams with their consumer groups included), and the older ones it still loads (ziplists,
/// quicklist v1, zipmap, the text-score zset).
/// Duplicates, NaN scores and empty collections are refused, as Redis refuses them.
/// </summary>
public static class DumpDecoder
{
    /// <summary>The value part of <paramref name="payload"/> (type byte and object) once its footer checks out.</summary>
    public static ReadOnlySpan<byte> VerifyFooter(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 10) throw new DumpFormatException(DumpFormatException.BadFooter);
        var footer = payload[^10..];
        int version = BinaryPrimitives.ReadUInt16LittleEndian(footer);
        if (version > RdbType.Version || Crc64.Compute(payload[..^8]) != BinaryPrimitives.ReadUInt64LittleEndian(footer[2..]))
            throw new DumpFormatException(DumpFormatException.BadFooter);
        return payload[..^10];
    }

    /// <summary>Decodes the value part (after <see cref="VerifyFooter"/>). Bytes after the object are ignored, as
    /// Redis ignores them.</summary>
    public static object Decode(ReadOnlySpan<byte> body)
    {
        var r = new RdbReader(body);
        byte type = r.ReadByte();
        return Read(ref r, type);
    }

    /// <summary>The object of an RDB value of <paramref name="type"/> at the reader's position (an RDB file holds the
    /// key between the type and the object); the reader is left just after it.</summary>
    internal static object Read(ref RdbReader r, byte type)
    {
        var elements = new List<byte[]>();
        switch (type)
        {
            case RdbType.String:
                return r.ReadString();
            case RdbType.List:
                for (long n = r.ReadCount(1); n > 0; n--) elements.Add(r.ReadString());
                return ToList(elements);
            case RdbType.ListZiplist:
                Ziplist.Read(r.ReadString(), elements);
                return ToList(elements);
            case RdbType.ListQuicklist:
                for (long n = r.ReadCount(1); n > 0; n--) Ziplist.Read(r.ReadString(), elements);
                return ToList(elements);
            case RdbType.ListQuicklist2:
                for (long n = r.ReadCount(2); n > 0; n--)
                {
                    long container = r.ReadLength(out bool encoded);
                    if (encoded) throw DumpFormatException.Bad();
                    if (container == 1) elements.Add(r.ReadString()); // a plain node: one large element
                    else if (container == 2) Listpack.Read(r.ReadString(), elements);
                    else throw DumpFormatException.Bad();
                }
                return ToList(elements);
            case RdbType.Set:
                for (long n = r.ReadCount(1); n > 0; n--) elements.Add(r.ReadString());
                return ToSet(elements);
            case RdbType.SetIntset:
                Intset.Read(r.ReadString(), elements);
                return ToSet(elements);
            case RdbType.Hash:
                for (long n = r.ReadCount(2); n > 0; n--)
                {
                    elements.Add(r.ReadString());
                    elements.Add(r.ReadString());
                }
                return ToHash(elements);
            case RdbType.HashZipmap:
                Zipmap.Read(r.ReadString(), elements);
                return ToHash(elements);
            case RdbType.HashZiplist:
                Ziplist.Read(r.ReadString(), elements);
                return ToHash(elements);
            case RdbType.HashListpack:
                Listpack.Read(r.ReadString(), elements);
                return ToHash(elements);
            case RdbType.ZSet or RdbType.ZSet2:
            {
                var zset = new ZSetValue();
                for (long n = r.ReadCount(2); n > 0; n--)
                {
                    var member = r.ReadString();
                    AddScored(zset, member, type == RdbType.ZSet2 ? r.ReadBinaryDouble() : r.ReadTextDouble());
                }
                return NotEmpty(zset);
            }
            case RdbType.ZSetZiplist:
                Ziplist.Read(r.ReadString(), elements);
                return ToZSet(elements);
            case RdbType.ZSetListpack:
                Listpack.Read(r.ReadString(), elements);
                return ToZSet(elements);
            case RdbType.StreamListpacks or RdbType.StreamListpacks2 or RdbType.StreamListpacks3:
                return StreamPayload.Read(ref r, type);
            default:
                // Module types (RedisBloom's filters among them) and anything newer than Redis 7.0.
                throw DumpFormatException.Bad();
        }
    }

    private static ListValue ToList(List<byte[]> elements)
    {
        var list = new ListValue(Math.Min(1 << 20, elements.Count));
        foreach (var element in elements) list.Push(ListSide.Right, element);
        return NotEmpty(list);
    }

    private static SetValue ToSet(List<byte[]> members)
    {
        var set = new SetValue();
        foreach (var member in members)
            if (!set.Add(member)) throw DumpFormatException.Bad();
        return NotEmpty(set);
    }

    private static HashValue ToHash(List<byte[]> pairs)
    {
        if (pairs.Count % 2 != 0) throw DumpFormatException.Bad();
        var hash = new HashValue();
        for (int i = 0; i < pairs.Count; i += 2)
            if (!hash.Set(pairs[i], pairs[i + 1])) throw DumpFormatException.Bad();
        return NotEmpty(hash);
    }

    private static ZSetValue ToZSet(List<byte[]> pairs)
    {
        if (pairs.Count % 2 != 0) throw DumpFormatException.Bad();
        var zset = new ZSetValue();
        for (int i = 0; i < pairs.Count; i += 2)
        {
            if (!Numbers.TryParseDouble(pairs[i + 1], out double score, rejectOutOfRange: false)) throw DumpFormatException.Bad();
            AddScored(zset, pairs[i], score);
        }
        return NotEmpty(zset);
    }

    private static void AddScored(ZSetValue zset, byte[] member, double score)
    {
        if (double.IsNaN(score) || !zset.Set(score, member)) throw DumpFormatException.Bad();
    }

    private static T NotEmpty<T>(T value) where T : CollectionValue
        => value.Count > 0 ? value : throw DumpFormatException.Bad();
}
