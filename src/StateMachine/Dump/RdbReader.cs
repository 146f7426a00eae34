using System.Buffers.Binary;
using System.Globalization;

namespace HyperCache.StateMachine.Dump;

/// <summary>
/// Reads the primitives of Redis's RDB value format from a payload: lengths, strings (plain, integer-encoded,
/// LZF-compressed) and doubles. Every read is bounds-checked and every claimed length is checked against the bytes
/// left before anything is allocated, so a hostile payload ends in <see cref="DumpFormatException"/>, never in an
/// out-of-memory or an index error.
/// </summary>
public ref struct RdbReader(ReadOnlySpan<byte> data)
{
    private const byte Int8 = 0, Int16 = 1, Int32 = 2, Compressed = 3;

    /// <summary>At most this many output bytes per compressed byte: LZF's longest back-reference (3 bytes) makes 264.</summary>
    private const long MaxLzfRatio = 90;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public byte ReadByte()
    {
        if (_position >= _data.Length) throw DumpFormatException.Bad();
        return _data[_position++];
    }

    public ReadOnlySpan<byte> ReadSpan(long count)
    {
        if (count < 0 || count > Remaining) throw DumpFormatException.Bad();
        var span = _data.Slice(_position, (int)count);
        _position += (int)count;
        return span;
    }

    /// <summary>A length (of a string, or a count of elements); <paramref name="encoded"/> says the string that
    /// follows is specially encoded, and the value is then the encoding.</summary>
    public long ReadLength(out bool encoded)
    {
        encoded = false;
        byte first = ReadByte();
        switch (first >> 6)
        {
            case 0: return first & 0x3f;
            case 1: return ((first & 0x3f) << 8) | ReadByte();
            case 2:
                if (first == 0x80) return BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4));
                if (first == 0x81)
                {
                    ulong value = BinaryPrimitives.ReadUInt64BigEndian(ReadSpan(8));
                    if (value > long.MaxValue) throw DumpFormatException.Bad();
                    return (long)value;
                }
                throw DumpFormatException.Bad();
            default:
                encoded = true;
                return first & 0x3f;
        }
    }

    /// <summary>A plain length read as the full unsigned 64 bits (stream IDs and counters).</summary>
    public ulong ReadUnsignedLength()
    {
        byte first = ReadByte();
        return (first >> 6) switch
        {
            0 => (ulong)(first & 0x3f),
            1 => (ulong)(((first & 0x3f) << 8) | ReadByte()),
            2 when first == 0x80 => BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4)),
            2 when first == 0x81 => BinaryPrimitives.ReadUInt64BigEndian(ReadSpan(8)),
            _ => throw DumpFormatException.Bad(),
        };
    }

    /// <summary>A time in Unix milliseconds: 8 little-endian bytes.</summary>
    public long ReadMillis() => BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8));

    /// <summary>A count of elements, each at least <paramref name="minBytesEach"/> bytes long: more than the payload
    /// could hold is a bad payload (and never a huge allocation).</summary>
    public long ReadCount(int minBytesEach)
    {
        long count = ReadLength(out bool encoded);
        if (encoded || count > Remaining / Math.Max(1, minBytesEach)) throw DumpFormatException.Bad();
        return count;
    }

    public byte[] ReadString()
    {
        long length = ReadLength(out bool encoded);
        if (!encoded) return ReadSpan(length).ToArray();
        switch (length)
        {
            case Int8: return Decimal((sbyte)ReadByte());
            case Int16: return Decimal(BinaryPrimitives.ReadInt16LittleEndian(ReadSpan(2)));
            case Int32: return Decimal(BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4)));
            case Compressed:
            {
                long compressedLength = ReadLength(out bool e1), plainLength = ReadLength(out bool e2);
                if (e1 || e2 || compressedLength > Remaining || plainLength > compressedLength * MaxLzfRatio || plainLength > Array.MaxLength)
                    throw DumpFormatException.Bad();
                var compressed = ReadSpan(compressedLength);
                var plain = new byte[plainLength];
                Lzf.Decompress(compressed, plain);
                return plain;
            }
            default: throw DumpFormatException.Bad();
        }
    }

    /// <summary>A score as the old ZSET type writes it: a length byte then the text (253 NaN, 254 +inf, 255 -inf).</summary>
    public double ReadTextDouble()
    {
        byte length = ReadByte();
        switch (length)
        {
            case 253: return double.NaN;
            case 254: return double.PositiveInfinity;
            case 255: return double.NegativeInfinity;
        }
        if (!Numbers.TryParseDouble(ReadSpan(length), out double value, rejectOutOfRange: false)) throw DumpFormatException.Bad();
        return value;
    }

    public double ReadBinaryDouble() => BinaryPrimitives.ReadDoubleLittleEndian(ReadSpan(8));

    internal static byte[] Decimal(long value) => System.Text.Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));
}
