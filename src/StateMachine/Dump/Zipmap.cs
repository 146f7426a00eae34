using System.Buffers.Binary;

namespace HyperCache.StateMachine.Dump;

/// <summary>Reads a zipmap (small hashes before Redis 2.6): a count byte, then per pair the field's length and
/// bytes, the value's length, a count of free bytes, the value and that padding; 0xFF ends it. Field and value
/// alternate in <c>into</c>.</summary>
public static class Zipmap
{
    public static void Read(ReadOnlySpan<byte> blob, List<byte[]> into)
    {
        if (blob.Length < 2) throw DumpFormatException.Bad();
        int position = 1;
        while (true)
        {
            if (position >= blob.Length) throw DumpFormatException.Bad();
            if (blob[position] == 0xFF) break;
            into.Add(Take(blob, ref position, ReadLength(blob, ref position)));
            int valueLength = ReadLength(blob, ref position);
            if (position >= blob.Length) throw DumpFormatException.Bad();
            int free = blob[position++];
            into.Add(Take(blob, ref position, valueLength));
            Take(blob, ref position, free);
        }
        if (position != blob.Length - 1) throw DumpFormatException.Bad();
    }

    private static int ReadLength(ReadOnlySpan<byte> blob, ref int position)
    {
        if (position >= blob.Length) throw DumpFormatException.Bad();
        byte first = blob[position++];
        if (first < 254) return first;
        if (first == 255 || position + 4 > blob.Length) throw DumpFormatException.Bad();
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(blob[position..]);
        position += 4;
        if (length > int.MaxValue) throw DumpFormatException.Bad();
        return (int)length;
    }

    private static byte[] Take(ReadOnlySpan<byte> blob, ref int position, int length)
    {
        if ((long)position + length > blob.Length) throw DumpFormatException.Bad();
        var bytes = blob.Slice(position, length).ToArray();
        position += length;
        return bytes;
    }
}
