using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// Redis 7.0's DEBUG DIGEST-VALUE of one value, the same 20 bytes redis-server gives for the same value (its debug.c
/// defines the scheme: SHA-1 "mixed" in order for what is ordered, "xored" for what is not), so a key moved between
/// the two can be checked key by key. The type code first; a string's bytes; a list's elements in order; a set's
/// members unordered; a hash's pairs and a sorted set's members with their scores ("%.17g") each digested apart and
/// unordered; a stream's entries in ID order (its consumer groups are not in Redis's digest); then the mark of an
/// expiry, if any. SHA-1 here is Redis's fingerprint, not a security measure.
/// </summary>
public static class RedisValueDigest
{
    private const int Size = 20;
    private const int TypeString = 0, TypeList = 1, TypeSet = 2, TypeZSet = 3, TypeHash = 4, TypeModule = 5, TypeStream = 6;

    public static byte[] Of(object value, bool hasExpiry)
    {
        var digest = new byte[Size];
        Span<byte> type = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(type, value switch
        {
            ListValue => TypeList, SetValue => TypeSet, ZSetValue => TypeZSet, HashValue => TypeHash, StreamValue => TypeStream,
            CollectionValue => TypeModule, // a Cuckoo filter: RedisBloom's module type, which adds nothing of its own
            _ => TypeString,
        });
        Mix(digest, type);
        Span<byte> element = stackalloc byte[Size];
        switch (value)
        {
            case ListValue list:
                for (int at = list.First; at >= 0; at = list.Next(at)) Mix(digest, list.ElementAt(at));
                break;
            case SetValue set:
                for (int at = set.First; at >= 0; at = set.Next(at)) Xor(digest, set.MemberAt(at));
                break;
            case HashValue hash:
                for (int at = hash.First; at >= 0; at = hash.Next(at))
                {
                    element.Clear();
                    Mix(element, hash.FieldAt(at));
                    Mix(element, hash.ValueAt(at));
                    Xor(digest, element);
                }
                break;
            case ZSetValue zset:
                for (var at = zset.First; at.IsValid; at.MoveNext())
                {
                    element.Clear();
                    Mix(element, at.MemberSpan);
                    Mix(element, Encoding.ASCII.GetBytes(ScoreText.Format(at.Score)));
                    Xor(digest, element);
                }
                break;
            case StreamValue stream:
                var entries = new List<StreamEntry>();
                stream.Range(StreamId.Zero, StreamId.Max, long.MaxValue, reverse: false, entries);
                foreach (var entry in entries)
                {
                    Mix(digest, Encoding.ASCII.GetBytes(entry.Id.Ms.ToString(CultureInfo.InvariantCulture) + "." + entry.Id.Seq.ToString(CultureInfo.InvariantCulture)));
                    foreach (var part in entry.Fields) Mix(digest, part);
                }
                break;
            case CollectionValue:
                break;
            default:
                Mix(digest, Store.StringSpan(value));
                break;
        }
        if (hasExpiry) Xor(digest, "!!expire!!"u8);
        return digest;
    }

    /// <summary>digest ^= SHA1(data): order does not matter.</summary>
    private static void Xor(Span<byte> digest, ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA1.HashData(data, hash);
        for (int i = 0; i < Size; i++) digest[i] ^= hash[i];
    }

    /// <summary>digest = SHA1(digest ^ SHA1(data)): order matters.</summary>
    private static void Mix(Span<byte> digest, ReadOnlySpan<byte> data)
    {
        Xor(digest, data);
        Span<byte> copy = stackalloc byte[Size];
        digest.CopyTo(copy);
        SHA1.HashData(copy, digest);
    }
}
