using System.Buffers.Binary;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Dump;

/// <summary>
/// DUMP's writer. It writes the plainest RDB encodings Redis 7.0 still restores, which need no packed formats:
/// a string as its bytes, a list as a count and its elements (RDB_TYPE_LIST), a set as its members, a hash as its
/// pairs, a sorted set as members with binary scores (ZSET_2). Redis re-encodes them on load (listpack, intset,
/// quicklist) by its own size rules. Then the footer: RDB version 10 and the CRC-64 of everything before it.
/// </summary>
public static class DumpEncoder
{
    public const string StreamError = "ERR DUMP of stream values is not supported";
    public const string CuckooError = "ERR DUMP of Cuckoo filter values is not supported (a RedisBloom module type in Redis)";

    public static byte[] Encode(object value)
    {
        var w = new Writer(value is CollectionValue ? 256 : Store.StringSpan(value).Length + 16);
        switch (value)
        {
            case ListValue list:
                w.Byte(RdbType.List);
                w.Length(list.Length);
                for (int i = 0; i < list.Length; i++) w.String(list[i]);
                break;
            case SetValue set:
                w.Byte(RdbType.Set);
                w.Length(set.Count);
                for (int i = 0; i < set.Table.Capacity; i++)
                    if (set.Table.KeyAt(i) is { } member) w.String(member);
                break;
            case HashValue hash:
                w.Byte(RdbType.Hash);
                w.Length(hash.Count);
                for (int i = 0; i < hash.Table.Capacity; i++)
                {
                    if (hash.Table.KeyAt(i) is not { } field) continue;
                    w.String(field);
                    w.String(hash.Table.ValueAt(i));
                }
                break;
            case ZSetValue zset:
                w.Byte(RdbType.ZSet2);
                w.Length(zset.Count);
                for (var at = zset.Tree.First; at.IsValid; at.MoveNext())
                {
                    w.String(at.Member);
                    w.Double(at.Score);
                }
                break;
            case StreamValue:
                throw new CommandError(StreamError);
            case CuckooValue:
                throw new CommandError(CuckooError);
            case CollectionValue other:
                throw new CommandError("ERR DUMP is not supported for values of type " + other.TypeName);
            default:
                w.Byte(RdbType.String);
                w.String(Store.StringSpan(value));
                break;
        }
        return w.Finish();
    }

    /// <summary>A growable byte buffer with the RDB primitives.</summary>
    private sealed class Writer(int capacity)
    {
        private byte[] _buffer = new byte[Math.Max(32, capacity)];
        private int _length;

        private Span<byte> Room(int bytes)
        {
            if (_length + bytes > _buffer.Length)
            {
                long size = Math.Max((long)_buffer.Length * 2, (long)_length + bytes);
                Array.Resize(ref _buffer, (int)Math.Min(size, Array.MaxLength));
            }
            return _buffer.AsSpan(_length, bytes);
        }

        public void Byte(byte b)
        {
            Room(1)[0] = b;
            _length++;
        }

        public void Length(long length)
        {
            if (length < 1 << 6) Byte((byte)length);
            else if (length < 1 << 14)
            {
                BinaryPrimitives.WriteUInt16BigEndian(Room(2), (ushort)(0x4000 | length));
                _length += 2;
            }
            else if (length <= uint.MaxValue)
            {
                var span = Room(5);
                span[0] = 0x80;
                BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
                _length += 5;
            }
            else
            {
                var span = Room(9);
                span[0] = 0x81;
                BinaryPrimitives.WriteUInt64BigEndian(span[1..], (ulong)length);
                _length += 9;
            }
        }

        public void String(ReadOnlySpan<byte> bytes)
        {
            Length(bytes.Length);
            bytes.CopyTo(Room(bytes.Length));
            _length += bytes.Length;
        }

        public void Double(double value)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(Room(8), value);
            _length += 8;
        }

        public byte[] Finish()
        {
            var footer = Room(10);
            BinaryPrimitives.WriteUInt16LittleEndian(footer, RdbType.Version);
            _length += 2;
            BinaryPrimitives.WriteUInt64LittleEndian(footer[2..], Crc64.Compute(_buffer.AsSpan(0, _length)));
            _length += 8;
            return _buffer.AsSpan(0, _length).ToArray();
        }
    }
}
