using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Dump;

/// <summary>
/// DUMP's writer. It writes the plainest RDB encodings Redis 7.0 still restores, which need no packed formats:
/// a string as its bytes, a list as a count and its elements (RDB_TYPE_LIST), a set as its members, a hash as its
/// pairs, a sorted set as members with binary scores (ZSET_2). Redis re-encodes them on load (listpack, intset,
/// quicklist) by its own size rules. A stream is written as Redis 7.0 writes it (StreamPayload). Then the footer:
/// RDB version 10 and the CRC-64 of everything before it.
/// </summary>
public static class DumpEncoder
{
    public const string CuckooError = "ERR DUMP of Cuckoo filter values is not supported (a RedisBloom module type in Redis)";

    public static byte[] Encode(object value) => Body(value).Finish();

    /// <summary>The value as RDB writes it, type byte first, without DUMP's footer (an RDB file puts the key after
    /// the type, and one CRC-64 over the whole file).</summary>
    internal static RdbWriter Body(object value)
    {
        var w = new RdbWriter(value is CollectionValue ? 256 : Store.StringSpan(value).Length + 16);
        switch (value)
        {
            case ListValue list:
                w.Byte(RdbType.List);
                w.Length(list.Length);
                for (int at = list.First; at >= 0; at = list.Next(at)) w.String(list.ElementAt(at));
                break;
            case SetValue set:
                w.Byte(RdbType.Set);
                w.Length(set.Count);
                for (int at = set.First; at >= 0; at = set.Next(at)) w.String(set.MemberAt(at));
                break;
            case HashValue hash:
                w.Byte(RdbType.Hash);
                w.Length(hash.Count);
                for (int at = hash.First; at >= 0; at = hash.Next(at))
                {
                    w.String(hash.FieldAt(at));
                    w.String(hash.ValueAt(at));
                }
                break;
            case ZSetValue zset:
                w.Byte(RdbType.ZSet2);
                w.Length(zset.Count);
                for (var at = zset.First; at.IsValid; at.MoveNext())
                {
                    w.String(at.MemberSpan);
                    w.Double(at.Score);
                }
                break;
            case StreamValue stream:
                StreamPayload.Write(w, stream);
                break;
            case CuckooValue:
                throw new CommandError(CuckooError);
            case CollectionValue other:
                throw new CommandError("ERR DUMP is not supported for values of type " + other.TypeName);
            default:
                w.Byte(RdbType.String);
                w.String(Store.StringSpan(value));
                break;
        }
        return w;
    }
}
