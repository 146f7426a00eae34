using System.Buffers.Binary;

namespace HyperCache.StateMachine.Dump;

/// <summary>Reads a listpack (Redis 7's compact encoding of small lists, hashes and sorted sets): a 6-byte header
/// (total bytes, element count), the entries, each followed by its length written backwards, and 0xFF.</summary>
public static class Listpack
{
    public static void Read(ReadOnlySpan<byte> blob, List<byte[]> into)
    {
        if (blob.Length < 7 || BinaryPrimitives.ReadUInt32LittleEndian(blob) != blob.Length) throw DumpFormatException.Bad();
        int declared = BinaryPrimitives.ReadUInt16LittleEndian(blob[4..]), count = 0, position = 6;
        while (true)
        {
            if (position >= blob.Length) throw DumpFormatException.Bad();
            if (blob[position] == 0xFF) break;
            into.Add(ReadEntry(blob, ref position));
            count++;
        }
        // 65535 means "too many to count in the header".
        if (position != blob.Length - 1 || (declared != ushort.MaxValue && declared != count)) throw DumpFormatException.Bad();
    }

    private static byte[] ReadEntry(ReadOnlySpan<byte> blob, ref int position)
    {
        var rest = blob[position..];
        byte b = rest[0];
        long number;
        int length; // of encoding byte(s) plus data
        byte[]? text = null;
        if ((b & 0x80) == 0) { number = b & 0x7f; length = 1; }
        else if ((b & 0xC0) == 0x80) { length = 1 + (b & 0x3f); text = Slice(rest, 1, length); number = 0; }
        else if ((b & 0xE0) == 0xC0)
        {
            Need(rest, 2);
            int raw = ((b & 0x1f) << 8) | rest[1];
            number = raw >= 1 << 12 ? raw - (1 << 13) : raw;
            length = 2;
        }
        else if ((b & 0xF0) == 0xE0)
        {
            Need(rest, 2);
            length = 2 + (((b & 0x0f) << 8) | rest[1]);
            text = Slice(rest, 2, length);
            number = 0;
        }
        else
        {
            switch (b)
            {
                case 0xF0:
                    Need(rest, 5);
                    uint size = BinaryPrimitives.ReadUInt32LittleEndian(rest[1..]);
                    if (size > int.MaxValue - 5) throw DumpFormatException.Bad();
                    length = 5 + (int)size;
                    text = Slice(rest, 5, length);
                    number = 0;
                    break;
                case 0xF1: Need(rest, 3); number = BinaryPrimitives.ReadInt16LittleEndian(rest[1..]); length = 3; break;
                case 0xF2: Need(rest, 4); number = ((int)(rest[1] | (rest[2] << 8) | (rest[3] << 16)) << 8) >> 8; length = 4; break;
                case 0xF3: Need(rest, 5); number = BinaryPrimitives.ReadInt32LittleEndian(rest[1..]); length = 5; break;
                case 0xF4: Need(rest, 9); number = BinaryPrimitives.ReadInt64LittleEndian(rest[1..]); length = 9; break;
                default: throw DumpFormatException.Bad();
            }
        }
        long total = (long)length + BackLengthSize(length);
        if (total > rest.Length) throw DumpFormatException.Bad();
        position += (int)total;
        return text ?? RdbReader.Decimal(number);
    }

    private static int BackLengthSize(int length) => length switch
    {
        <= 127 => 1,
        < 16383 => 2,
        < 2097151 => 3,
        < 268435455 => 4,
        _ => 5,
    };

    private static void Need(ReadOnlySpan<byte> rest, int bytes)
    {
        if (rest.Length < bytes) throw DumpFormatException.Bad();
    }

    private static byte[] Slice(ReadOnlySpan<byte> rest, int start, int end)
    {
        if (end > rest.Length) throw DumpFormatException.Bad();
        return rest[start..end].ToArray();
    }
}
