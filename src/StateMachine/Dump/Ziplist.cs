using System.Buffers.Binary;

namespace HyperCache.StateMachine.Dump;

/// <summary>Reads a ziplist (the compact encoding before Redis 7): a 10-byte header (total bytes, tail offset,
/// count), entries each led by the previous entry's length and an encoding byte, and 0xFF.</summary>
public static class Ziplist
{
    public static void Read(ReadOnlySpan<byte> blob, List<byte[]> into)
    {
        if (blob.Length < 11 || BinaryPrimitives.ReadUInt32LittleEndian(blob) != blob.Length) throw DumpFormatException.Bad();
        int declared = BinaryPrimitives.ReadUInt16LittleEndian(blob[8..]), count = 0, position = 10;
        while (true)
        {
            if (position >= blob.Length) throw DumpFormatException.Bad();
            if (blob[position] == 0xFF) break;
            position += blob[position] < 254 ? 1 : 5; // the previous entry's length
            into.Add(ReadEntry(blob, ref position));
            count++;
        }
        if (position != blob.Length - 1 || (declared != ushort.MaxValue && declared != count)) throw DumpFormatException.Bad();
    }

    private static byte[] ReadEntry(ReadOnlySpan<byte> blob, ref int position)
    {
        if (position >= blob.Length) throw DumpFormatException.Bad();
        var rest = blob[position..];
        byte encoding = rest[0];
        int header, size;
        switch (encoding >> 6)
        {
            case 0: header = 1; size = encoding & 0x3f; break;
            case 1: Need(rest, 2); header = 2; size = ((encoding & 0x3f) << 8) | rest[1]; break;
            case 2:
                Need(rest, 5);
                uint big = BinaryPrimitives.ReadUInt32BigEndian(rest[1..]);
                if (big > int.MaxValue - 5) throw DumpFormatException.Bad();
                header = 5;
                size = (int)big;
                break;
            default:
                long number;
                int bytes;
                switch (encoding)
                {
                    case 0xC0: Need(rest, 3); number = BinaryPrimitives.ReadInt16LittleEndian(rest[1..]); bytes = 3; break;
                    case 0xD0: Need(rest, 5); number = BinaryPrimitives.ReadInt32LittleEndian(rest[1..]); bytes = 5; break;
                    case 0xE0: Need(rest, 9); number = BinaryPrimitives.ReadInt64LittleEndian(rest[1..]); bytes = 9; break;
                    case 0xF0: Need(rest, 4); number = ((int)(rest[1] | (rest[2] << 8) | (rest[3] << 16)) << 8) >> 8; bytes = 4; break;
                    case 0xFE: Need(rest, 2); number = (sbyte)rest[1]; bytes = 2; break;
                    case >= 0xF1 and <= 0xFD: number = (encoding & 0x0f) - 1; bytes = 1; break;
                    default: throw DumpFormatException.Bad();
                }
                position += bytes;
                return RdbReader.Decimal(number);
        }
        if ((long)header + size > rest.Length) throw DumpFormatException.Bad();
        position += header + size;
        return rest.Slice(header, size).ToArray();
    }

    private static void Need(ReadOnlySpan<byte> rest, int bytes)
    {
        if (rest.Length < bytes) throw DumpFormatException.Bad();
    }
}
